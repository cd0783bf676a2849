"""Trainer: clipped steps, 2-process gloo DDP equals one process, SIGKILL + resume, error reporting."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml

from lib.trackers import load_config
from lib.models.aiatrack import build_aiatrack
from lib.train.aiatrack import AiATrackActor, LossWeights
from lib.train.aiatrack.optim import build_optimizer, build_scheduler
from lib.train.trainer import CheckpointManager, Trainer, TrainingParts, init_distributed, shutdown_distributed
from lib.train.trainer.distributed import average_across_ranks, synchronize_batch_norms
from lib.utils.box_ops import box_to_region_map
from lib.utils.synthetic import render_videos, write_got10k
from tests.train.ddp_check import assert_same_step, run_two_gloo_processes

REPO = Path(__file__).resolve().parents[2]
# The tiny experiment shrunk further (64 px crops, 4x4 tokens): the same code paths, fast on CPU.
MICRO = ["MODEL.HIDDEN_DIM=32", "MODEL.AIA.MATCH_DIM=16", "MODEL.AIA.FEAT_SIZE=16",
         "MODEL.TRANSFORMER.DIM_FEEDFORWARD=64", "DATA.SEARCH.SIZE=64", "TEST.SEARCH_SIZE=64",
         "TRAIN.BATCH_SIZE=2", "TRAIN.PRINT_INTERVAL=2", "TRAIN.BACKBONE_MULTIPLIER=0.1", "TRAIN.NUM_WORKER=0"]


def micro_config(*extra: str):
    overrides: dict = {}
    for item in MICRO + list(extra):
        key, value = item.split("=")
        node = overrides
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = yaml.safe_load(value)
    return load_config("tiny", overrides)


def random_batch(batch_size: int, seed: int) -> dict[str, torch.Tensor]:
    """A training batch in the processing format (64 px crops, 4x4 token regions, 16 proposals)."""
    gen = torch.Generator().manual_seed(seed)
    boxes = torch.cat((torch.rand(batch_size, 2, generator=gen) * 0.4 + 0.1,
                       torch.rand(batch_size, 2, generator=gen) * 0.3 + 0.2), dim=1)
    ref_boxes = boxes[:, None] + torch.rand(batch_size, 2, 4, generator=gen) * 0.1
    proposals = boxes[:, None] + (torch.rand(batch_size, 16, 4, generator=gen) - 0.5) * 0.1
    masks = torch.zeros(batch_size, 64, 64, dtype=torch.bool)
    masks[0, :, :10] = True
    return {
        "reference_images": torch.randn(batch_size, 2, 3, 64, 64, generator=gen),
        "reference_masks": masks[:, None].repeat(1, 2, 1, 1),
        "reference_regions": box_to_region_map(ref_boxes, 4),
        "search_image": torch.randn(batch_size, 3, 64, 64, generator=gen),
        "search_mask": masks, "search_box": boxes, "proposals": proposals,
        "proposal_iou_targets": torch.rand(batch_size, 16, generator=gen) * 2 - 1,
    }


def make_trainer(cfg, workdir: Path, sync_bn: bool = False) -> Trainer:
    ctx = init_distributed("cpu")
    torch.manual_seed(cfg.TRAIN.SEED)
    model = build_aiatrack(cfg)
    if sync_bn:
        synchronize_batch_norms(model)
    optimizer = build_optimizer(model, cfg)
    parts = TrainingParts(AiATrackActor(model, LossWeights.from_config(cfg)), optimizer,
                          build_scheduler(optimizer, cfg))
    return Trainer(parts, cfg, ctx, lambda epoch: [], CheckpointManager(workdir, "AIATRACK"), progress=False)


def test_step_clips_the_gradient_norm(tmp_path):
    trainer = make_trainer(micro_config(), tmp_path)
    before = [p.detach().clone() for p in trainer.model.parameters()]
    trainer.train_step(random_batch(2, seed=0))
    grads = [p.grad for p in trainer.model.parameters() if p.grad is not None]
    assert torch.linalg.vector_norm(torch.stack([g.norm() for g in grads])).item() <= 0.1 * (1 + 1e-5)
    frozen = [p for p in trainer.model.backbone.layer1.parameters()]
    assert all(p.grad is None for p in frozen)
    changed = [not torch.equal(a, b) for a, b in zip(before, trainer.model.parameters())]
    assert any(changed)


def test_bf16_autocast_step_runs_and_fp16_needs_cuda(tmp_path):
    """The mixed-precision path on CPU (bf16); fp16 with loss scaling is for CUDA only."""
    trainer = make_trainer(micro_config("TRAIN.AMP=bf16"), tmp_path)
    stats = trainer.train_step(random_batch(2, seed=0))
    assert all(torch.isfinite(v) and v.dtype == torch.float32 for v in stats.values())
    with pytest.raises(ValueError, match="fp16 needs a CUDA device"):
        make_trainer(micro_config("TRAIN.AMP=fp16"), tmp_path)


def _ddp_worker(rank: int, port: int, out: str) -> None:
    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE="2", MASTER_ADDR="127.0.0.1",
                      MASTER_PORT=str(port))
    torch.set_num_threads(1)
    try:
        trainer = make_trainer(micro_config("MODEL.TRANSFORMER.DROPOUT=0.0", "TRAIN.SYNC_BN=true"), Path(out),
                               sync_bn=True)
        full = random_batch(4, seed=1)
        stats = trainer.train_step({k: v[2 * rank:2 * rank + 2] for k, v in full.items()})
        stats = average_across_ranks(stats)
        grads = {n: p.grad.clone() for n, p in trainer.model.named_parameters() if p.grad is not None}
        if rank == 0:
            torch.save({"stats": stats, "grads": grads, "state": trainer.model.state_dict()}, Path(out) / "ddp.pt")
    finally:
        shutdown_distributed()


def test_two_process_gloo_step_equals_single_process_step(tmp_path):
    single = make_trainer(micro_config("MODEL.TRANSFORMER.DROPOUT=0.0", "TRAIN.SYNC_BN=true"), tmp_path)
    stats = {k: v.item() for k, v in single.train_step(random_batch(4, seed=1)).items()}
    ddp = run_two_gloo_processes(_ddp_worker, tmp_path, timeout=120)
    assert_same_step(ddp, stats, single.model, ("total", "giou", "l1", "iou", "mean_iou"), 1e-4, 1e-8)
    parameters = dict(single.model.named_parameters())
    close = total = 0
    for name, value in single.model.state_dict().items():
        diff = (ddp["state"][name].float() - value.float()).abs()
        if name in parameters:
            # AdamW's first step moves a weight by about lr * sign(grad): gradients at rounding-noise
            # level (e.g. conv biases in front of BatchNorm) may flip sign, nothing may move further.
            assert diff.max().item() <= 2 * single.cfg.TRAIN.LR, name
            close += int((diff <= 1e-6).sum())
            total += diff.numel()
        else:   # BatchNorm running statistics of the synchronized batch
            assert torch.allclose(ddp["state"][name].float(), value.float(), rtol=1e-5, atol=1e-6), name
    assert close / total > 0.99


# ------------------------------------------------------------------------- whole command runs
@pytest.fixture(scope="module")
def synthetic_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("got10k")
    write_got10k(root, render_videos(seed=3, count=4, num_frames=24, height=120, width=160, min_size=16,
                                     max_size=40), split="train")
    return root


def train_command(workspace: Path, root: Path, epochs: int) -> list[str]:
    overrides = [f"--override={item}" for item in MICRO + [f"TRAIN.EPOCH={epochs}", "DATA.TRAIN.SAMPLE_PER_EPOCH=8"]]
    return [sys.executable, str(REPO / "tracking" / "train.py"), "--config", "tiny", "--workspace", str(workspace),
            f"--setting=got10k_dir={root}", "--no-progress", *overrides]


@pytest.mark.slow
def test_sigkill_mid_epoch_then_restart_reaches_the_uninterrupted_state(tmp_path, synthetic_root):
    # One thread and MKL's strict reproducible mode: otherwise MKL may round differently with the
    # different memory alignment of a restarted process, and AdamW amplifies such last-bit changes.
    (tmp_path / "empty.yaml").write_text("")
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_CBWR="AUTO,STRICT", AIATRACK_SETTINGS=str(tmp_path / "empty.yaml"))
    subprocess.run(train_command(tmp_path / "straight", synthetic_root, 3), check=True, env=env,
                   capture_output=True)
    ckpt_dir = tmp_path / "killed" / "checkpoints" / "train" / "aiatrack" / "tiny"
    process = subprocess.Popen(train_command(tmp_path / "killed", synthetic_root, 3), env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (ckpt_dir / "AIATRACK_ep0001.pth.tar").exists():
        assert process.poll() is None and time.monotonic() < deadline, "first checkpoint never appeared"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)                  # somewhere inside epoch 2
    process.wait()
    assert not (ckpt_dir / "AIATRACK_ep0003.pth.tar").exists()
    restarted = subprocess.run(train_command(tmp_path / "killed", synthetic_root, 3), env=env,
                               capture_output=True, text=True)
    assert restarted.returncode == 0, restarted.stderr
    assert "resumed from" in restarted.stderr
    straight = torch.load(tmp_path / "straight" / "checkpoints" / "train" / "aiatrack" / "tiny" / "AIATRACK_ep0003.pth.tar",
                          weights_only=True)
    resumed = torch.load(ckpt_dir / "AIATRACK_ep0003.pth.tar", weights_only=True)
    assert resumed["epoch"] == straight["epoch"] == 3
    losses = [[h[k] for k in ("giou", "l1", "iou")] for h in straight["history"]]
    assert [[h[k] for k in ("giou", "l1", "iou")] for h in resumed["history"]] == losses
    for name, value in straight["net"].items():
        assert torch.equal(resumed["net"][name], value), name
    for a, b in zip(straight["optimizer"]["state"].values(), resumed["optimizer"]["state"].values()):
        assert torch.equal(a["exp_avg"], b["exp_avg"]) and torch.equal(a["exp_avg_sq"], b["exp_avg_sq"])
    assert resumed["scheduler"] == straight["scheduler"]


def test_missing_dataset_is_one_logged_line_and_nonzero_exit(tmp_path):
    (tmp_path / "empty.yaml").write_text("")
    env = dict(os.environ, AIATRACK_SETTINGS=str(tmp_path / "empty.yaml"))
    result = subprocess.run(train_command(tmp_path, tmp_path / "missing_root", 1), env=env, capture_output=True,
                            text=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "missing_root" in result.stderr
    logged = (tmp_path / "logs" / "aiatrack-tiny.log").read_text()
    assert "training stopped on rank 0: settings entry 'got10k_dir' points to" in logged and "missing_root" in logged
    assert "DEBUG where the error was raised\nTraceback" in logged  # the details stay in the log file


def test_launch_options_are_not_forwarded_to_the_training_processes():
    from tracking.train import training_arguments

    argv = ["--config", "tiny", "--nproc", "2", "--nnodes=2", "--node-rank", "1", "--master-addr", "10.0.0.1",
            "--master-port=29500", "--override", "TRAIN.EPOCH=3", "--no-progress"]
    assert training_arguments(argv) == ["--config", "tiny", "--override", "TRAIN.EPOCH=3", "--no-progress"]

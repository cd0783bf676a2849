"""SiamAttn training step: frozen backbone, the epoch-switch stage, resuming across it, 2-process DDP."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from lib.trackers import load_config
from lib.models.siamattn import build_siamattn, load_siamattn_checkpoint
from lib.trackers import get_plugin
from lib.train.trainer import CheckpointManager, Trainer, init_distributed, shutdown_distributed
from lib.train.trainer.distributed import average_across_ranks, synchronize_batch_norms
from lib.utils.synthetic import render_videos, write_got10k
from tests.train.ddp_check import assert_same_step, run_two_gloo_processes

REPO = Path(__file__).resolve().parents[2]

# The tiny experiment narrowed further: same code paths, cheaper CPU steps.
MICRO = {"MODEL": {"CHANNELS": 16, "DEFORM_FC_CHANNELS": 16, "FC_CHANNELS": 16},
         "TRAIN": {"BATCH_SIZE": 2, "PRINT_INTERVAL": 1, "NUM_WORKER": 0}}


def micro_config(mask: bool = False, **train):
    overrides = {"MODEL": dict(MICRO["MODEL"], MASK=mask),
                 "TRAIN": dict(MICRO["TRAIN"], LR_WARMUP={"WARMUP": False}, **train)}
    return load_config("tiny", overrides, tracker="siamattn")


def random_batch(batch_size: int, seed: int) -> dict[str, torch.Tensor]:
    """A batch in the processing format; every sample has 4 positive and 12 negative anchors and the same
    box size, so per-sample loss normalizers are equal and a split batch averages to the whole one."""
    gen = torch.Generator().manual_seed(seed)
    label = torch.full((batch_size, 5 * 625), -1, dtype=torch.long)
    weight = torch.zeros(batch_size, 5 * 625)
    for b in range(batch_size):
        order = torch.randperm(5 * 625, generator=gen)
        label[b, order[:4]] = 1
        label[b, order[4:16]] = 0
        weight[b, order[:4]] = 0.25
    offset = torch.rand(batch_size, 2, generator=gen) * 60 + 80
    bbox = torch.cat((offset, offset + torch.tensor([50.0, 70.0])), dim=1)
    mask = torch.zeros(batch_size, 1, 255, 255)
    for b in range(batch_size):
        x, y = (int(v) for v in offset[b])
        mask[b, 0, y + 5:y + 60, x + 5:x + 45] = 1
    return {
        "template": torch.rand(batch_size, 3, 127, 127, generator=gen) * 255,
        "search": torch.rand(batch_size, 3, 255, 255, generator=gen) * 255,
        "label_cls": label.view(batch_size, 5, 25, 25),
        "label_loc": torch.randn(batch_size, 4, 5, 25, 25, generator=gen) * 0.3,
        "label_loc_weight": weight.view(batch_size, 5, 25, 25),
        "bbox": bbox, "search_mask": mask,
        "mask_weight": torch.ones(batch_size), "bbox_weight": torch.ones(batch_size),
        "roi_seed": torch.arange(batch_size, dtype=torch.int64) * 7919 + seed,
    }


def make_trainer(cfg, workdir: Path, batches=(), sync_bn: bool = False) -> Trainer:
    ctx = init_distributed("cpu")
    recipe = get_plugin("siamattn").training()
    torch.manual_seed(cfg.TRAIN.SEED)
    model = recipe.build_model(cfg)
    if sync_bn:
        synchronize_batch_norms(model)
    parts = recipe.build_parts(model, cfg)
    return Trainer(parts, cfg, ctx, lambda epoch: list(batches), CheckpointManager(workdir, "SIAMATTN"),
                   progress=False)


@pytest.mark.slow
def test_backbone_switches_on_in_its_epoch_and_resuming_across_the_switch_matches(tmp_path):
    batches = [random_batch(2, seed=3)]
    cfg = micro_config(EPOCH=2, BACKBONE_TRAIN_EPOCH=1)
    straight = make_trainer(cfg, tmp_path / "straight", batches)
    initial = {k: v.clone() for k, v in straight.model.state_dict().items()}
    straight.train_epoch(1)
    straight.scheduler.step()
    after_one = {k: v.clone() for k, v in straight.model.state_dict().items()}
    assert torch.equal(after_one["backbone.layer3.0.conv1.weight"], initial["backbone.layer3.0.conv1.weight"])
    assert torch.equal(after_one["backbone.layer2.0.bn1.running_mean"], initial["backbone.layer2.0.bn1.running_mean"])
    assert not torch.equal(after_one["rpn_head.cls_weight"], initial["rpn_head.cls_weight"])
    straight.epoch = 1
    straight.enter_stage(2)                      # pysot epoch 1 = BACKBONE_TRAIN_EPOCH: layers 2-4 train
    groups = straight.optimizer.param_groups
    assert len(groups) == 2 and groups[0]["lr"] == pytest.approx(groups[1]["lr"] * cfg.TRAIN.BACKBONE_LAYERS_LR)
    straight.train_epoch(2)
    after_two = straight.model.state_dict()
    assert not torch.equal(after_two["backbone.layer3.0.conv1.weight"], after_one["backbone.layer3.0.conv1.weight"])
    assert torch.equal(after_two["backbone.layer1.0.conv1.weight"], initial["backbone.layer1.0.conv1.weight"])
    assert torch.equal(after_two["backbone.bn1.running_mean"], initial["backbone.bn1.running_mean"])

    # the same two epochs through train(): one run stopping after epoch 1, a second resuming from its checkpoint
    first = make_trainer(micro_config(EPOCH=1, BACKBONE_TRAIN_EPOCH=1), tmp_path / "resumed", batches)
    first.train()
    second = make_trainer(cfg, tmp_path / "resumed", batches)
    second.train()
    assert second.epoch == 2 and len(second.optimizer.param_groups) == 2
    for name, value in after_two.items():
        assert torch.allclose(second.model.state_dict()[name].float(), value.float(), rtol=1e-5, atol=1e-7), name


def test_step_trains_the_heads_only_and_reports_every_loss(tmp_path):
    trainer = make_trainer(micro_config(mask=True), tmp_path)
    trainer.actor.train()
    stats = trainer.train_step(random_batch(2, seed=0))
    assert set(stats) == {"cls", "loc", "bbox", "mask", "mask_iou", "total"}
    assert all(torch.isfinite(v) for v in stats.values()) and stats["mask"] > 0
    weights = trainer.cfg.TRAIN
    expected = (weights.CLS_WEIGHT * stats["cls"] + weights.LOC_WEIGHT * stats["loc"]
                + weights.BBOX_WEIGHT * stats["bbox"] + weights.MASK_WEIGHT * stats["mask"])
    assert stats["total"] == pytest.approx(expected.item(), rel=1e-5)
    with_grad = {n for n, p in trainer.model.named_parameters() if p.grad is not None}
    for prefix in ("neck.", "rpn_head.", "feature_enhance.", "feature_fusion.", "bbox_head.", "mask_head."):
        assert any(n.startswith(prefix) for n in with_grad), prefix
    assert not any(n.startswith("backbone.") for n in with_grad)
    assert all(not m.training for m in trainer.actor.frozen_norms)


def _ddp_worker(rank: int, port: int, out: str) -> None:
    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE="2", MASTER_ADDR="127.0.0.1",
                      MASTER_PORT=str(port))
    torch.set_num_threads(1)
    try:
        trainer = make_trainer(micro_config(mask=True, MASK_OHEM_FRACTION=1.0), Path(out), sync_bn=True)
        trainer.actor.train()
        full = random_batch(4, seed=1)
        stats = average_across_ranks(trainer.train_step({k: v[2 * rank:2 * rank + 2] for k, v in full.items()}))
        grads = {n: p.grad.clone() for n, p in trainer.model.named_parameters() if p.grad is not None}
        if rank == 0:
            torch.save({"stats": stats, "grads": grads}, Path(out) / "ddp.pt")
    finally:
        shutdown_distributed()


@pytest.mark.slow
def test_two_process_gloo_step_equals_single_process_step(tmp_path):
    # all-pixel mask loss: the 70 % hard-pixel selection is per process by design, not decomposable
    single = make_trainer(micro_config(mask=True, MASK_OHEM_FRACTION=1.0), tmp_path, sync_bn=True)
    single.actor.train()
    stats = {k: v.item() for k, v in single.train_step(random_batch(4, seed=1)).items()}
    ddp = run_two_gloo_processes(_ddp_worker, tmp_path, timeout=300)
    assert_same_step(ddp, stats, single.model, ("total", "cls", "loc", "bbox", "mask"), 1e-3, 1e-6)


@pytest.mark.slow
def test_train_py_siamattn_writes_a_checkpoint_the_tracker_loads(tmp_path):
    root = tmp_path / "got10k"
    write_got10k(root, render_videos(seed=3, count=2, num_frames=12, height=120, width=160, min_size=16,
                                     max_size=40), split="train")
    overrides = ["MODEL.CHANNELS=16", "MODEL.DEFORM_FC_CHANNELS=16", "MODEL.FC_CHANNELS=16", "TRAIN.EPOCH=1",
                 "TRAIN.BATCH_SIZE=2", "TRAIN.NUM_WORKER=0", "TRAIN.LR_WARMUP.WARMUP=false",
                 "DATA.TRAIN.SAMPLE_PER_EPOCH=2"]
    (tmp_path / "empty_settings.yaml").write_text("")  # isolates the run from ./settings.yaml
    env = dict(os.environ, OMP_NUM_THREADS="1", AIATRACK_SETTINGS=str(tmp_path / "empty_settings.yaml"))
    result = subprocess.run([sys.executable, str(REPO / "tracking" / "train.py"), "--tracker", "siamattn",
                             "--config", "tiny", "--workspace", str(tmp_path / "ws"), f"--setting=got10k_dir={root}",
                             "--no-progress", *[f"--override={item}" for item in overrides]],
                            env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    checkpoint = tmp_path / "ws" / "checkpoints" / "train" / "siamattn" / "tiny" / "SIAMATTN_ep0001.pth.tar"
    assert (tmp_path / "ws" / "logs" / "siamattn-tiny.log").is_file()
    saved = torch.load(checkpoint, weights_only=True)
    assert saved["history"][0]["epoch"] == 1 and "cls" in saved["history"][0]
    cfg = micro_config()
    model = build_siamattn(cfg)
    load_siamattn_checkpoint(model, checkpoint)
    for name, value in model.state_dict().items():
        assert torch.equal(value, saved["net"][name]), name

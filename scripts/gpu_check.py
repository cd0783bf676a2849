"""GPU checks in one run and one table, from a checkout alone (``bash scripts/gpu_check.sh``, needs CUDA).

Every row runs in its own process with its own time limit, so a row that crashes, hangs or runs out of
memory is reported FAILED under its name and the rest still run; any FAILED row makes the exit status 1.
The whole run keeps to ``--budget`` seconds (default 470): rows it cannot start in time are reported as
not run. Rows:

* ``pytest CUDA``: the tests with CUDA cases (PrRoIPool, deformable RoI pooling) and the device guards;
* ``consistency <tracker> <precision>``: the tracker with its shipped tiny weights, free running on a
  150-frame 640x480 synthetic video, CPU fp32 against CUDA at that precision: largest box difference, first
  frame more than 1 px apart, decisions that differ (AiATrack: short-term cache updates; SiamAttn: the
  chosen anchor);
* ``fixture ...`` (only where the optional test data ``../shared/reference``, not part of the repository,
  exists): AiATrack's official 30-frame fixture free running on CUDA, and the SiamAttn fixture-A tests run
  on CUDA with their CPU tolerances;
* ``fps <tracker> <precision>``: per-frame latency at batch 1 from ``tracking/dev/tracker_speed.py`` (crop
  included, synchronised, warm-up excluded); ``fps batch 8 <tracker> <precision>``: the aggregate frames/s of
  8 videos advanced together by the tracker's batched step (``tracker_speed.py --batch 8``);
* ``fps engine <engine> <tracker> <precision>``: the ``fps`` row with the network's per-frame methods run by
  CUDA graphs (``graphs``) or ``torch.compile`` (``compile``) instead of eagerly (``lib/utils/engine.py``;
  capture and compilation fall in the warm-up frames), to compare with the eager ``fps`` row;
* ``decode 1280x720``: JPEG decoding of generated 1280x720 frames (``tracking/dev/decode_speed.py``), CPU in 1
  and 8 processes against ``torchvision.io.decode_jpeg`` on CUDA;
* ``test.py threads N``: ``tracking/test.py --device cuda`` end to end on 8 synthetic 120-frame sequences
  (shipped tiny AiATrack), frames/s and sequences/hour; ``test.py batch 8 1280x720``: the same with
  ``--batch 8`` on 16 generated 60-frame 1280x720 sequences (frames read ahead while the batch is tracked);
* ``train <tracker> <amp>``: one ``Trainer.train_step`` (forward, backward, clipping, optimizer) at the
  main experiment's batch on a batch from the real training pipeline (synthetic GOT-10k root); the data
  loader is excluded.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from lib.trackers import DEFAULT_TRACKER, get_plugin, tracker_names
from lib.utils.cli import entry_parser

REPO = Path(__file__).resolve().parents[1]
REFERENCE_DIR = REPO.parent / "shared" / "reference"
CONSISTENCY_FRAMES = 150
#: the CUDA engines of the ``fps engine`` rows (each tracker at fp32 and bf16 where it runs them), against the
#: eager ``fps`` rows
CUDA_ENGINES = ("graphs", "compile")


def run(command: list[str], timeout: float, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Exit code and combined output of a command run in the repository root (124 on time-out)."""
    try:
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return 124, f"timed out after {timeout:.0f} s"
    return done.returncode, done.stdout + done.stderr


def _last_line(text: str) -> str:
    return text.strip().splitlines()[-1] if text.strip() else "no output"


# ------------------------------------------------------------------------------------------------ rows
def pytest_row(device: str) -> str:
    code, out = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/models/test_prroi_pool.py",
                     "tests/models/test_deform_roi_pool.py", "tests/utils/test_device.py",
                     "tests/test/tracker/test_layout_independence.py"], timeout=300)
    return f"{'ok' if code == 0 else 'FAILED'}: {_last_line(out)}"


def free_run(tracker_name: str, device: str, precision: str, frames: int) -> tuple[np.ndarray, list]:
    """Boxes (frames-1, 4) and per-frame decisions of the shipped tiny tracker on the synthetic video."""
    from lib.test.evaluation import tracking_traits
    from lib.trackers import load_tracker
    from lib.trackers.weights import choose_weights, resolve_config
    from lib.utils.synthetic import render_video

    choice = choose_weights(tracker=tracker_name)
    cfg = resolve_config(choice.config, tracker_name).replace({"TEST": {"PRECISION": precision}})
    factory = load_tracker(tracker_name, cfg, choice.checkpoint, device)
    video = render_video(2026, 0, num_frames=frames, height=480, width=640)
    tracker = factory(tracking_traits("lasot"))
    tracker.initialize(video.frames[0], {"init_bbox": video.boxes_xywh[0].tolist()})
    boxes, decisions = [], []
    for frame in video.frames[1:]:
        out = tracker.track(frame)
        boxes.append(out["target_bbox"])
        decisions.append(out["cache_updated"] if "cache_updated" in out else out["best_idx"])
    return np.asarray(boxes, dtype=np.float64), decisions


def consistency_row(tracker_name: str, precision: str, device: str, frames: int = CONSISTENCY_FRAMES) -> str:
    reference, reference_decisions = free_run(tracker_name, "cpu", "fp32", frames + 1)
    boxes, decisions = free_run(tracker_name, device, precision, frames + 1)
    difference = np.abs(boxes - reference).max(axis=1)
    over = np.flatnonzero(difference > 1.0)
    differing = sum(a != b for a, b in zip(decisions, reference_decisions))
    first = f"frame {over[0] + 1}" if over.size else "none"
    return (f"vs CPU fp32 over {frames} frames: max box diff {difference.max():.2e} px, first frame > 1 px: {first}, "
            f"{differing} decisions differ")


def aiatrack_fixture_row(precision: str, device: str) -> str:
    from lib.test.tracker.aiatrack.fixture_run import free_run_fixture, load_model

    fixture_path, checkpoint = REFERENCE_DIR / "tracker_fixture_A.pt", REFERENCE_DIR / "aiatrack_synthetic.pth.tar"
    if not fixture_path.is_file() or not checkpoint.is_file():
        return f"skipped: {REFERENCE_DIR} not available"
    fixture = torch.load(fixture_path, weights_only=True)
    model = load_model(checkpoint, device)
    worst, flips = 0.0, 0
    for run_name, recorded in fixture["runs"].items():
        result = free_run_fixture(model, precision, fixture, run_name)
        worst = max(worst, float(abs(result["boxes"] - recorded["target_bbox_xywh"][1:].numpy()).max()))
        flips += int((result["updated"] != recorded["cache_updated"][1:].numpy().astype(bool)).sum())
    return f"max box diff to official {worst:.2e} px (3 runs x 29 frames), {flips} cache decisions differ"


def siamattn_fixture_row(device: str) -> str:
    env = {**os.environ, "AIATRACK_TEST_DEVICE": device}  # the tests skip themselves without ../shared/reference
    code, out = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                     "tests/test/tracker/test_siamattn_tracker.py"], timeout=300, env=env)
    return f"{'ok' if code == 0 else 'FAILED'} (CPU tolerances): {_last_line(out)}"


def speed_row(tracker_name: str, precision: str, device: str, frames: int, extra: tuple[str, ...] = ()) -> str:
    """``tracker_speed.py`` at batch 1 (``extra``: more of its options, e.g. ``--engine graphs``): median latency."""
    code, out = run([sys.executable, "tracking/dev/tracker_speed.py", "--tracker", tracker_name, "--device", device,
                     "--frames", str(frames), "--warmup", "20", "--torch-threads", "1", "--precision", precision,
                     *extra], timeout=300)
    match = re.search(r"median ([\d.]+) ms/frame \(([\d.]+) fps\)", out)
    if code or not match:
        return f"FAILED ({_last_line(out)})"
    return f"{match.group(1)} ms/frame median, {match.group(2)} fps (batch 1, 640x480, crop incl.)"


def batch_speed_row(tracker_name: str, precision: str, device: str, batch: int, frames: int,
                    extra: tuple[str, ...] = ()) -> str:
    """``tracker_speed.py --batch``: median step time and aggregate frames/s of ``batch`` videos tracked together."""
    code, out = run([sys.executable, "tracking/dev/tracker_speed.py", "--tracker", tracker_name, "--device", device,
                     "--frames", str(frames), "--warmup", "10", "--torch-threads", "1", "--precision", precision,
                     "--batch", str(batch), *extra], timeout=300)
    match = re.search(r"median ([\d.]+) ms/step, ([\d.]+) frames/s aggregate", out)
    if code or not match:
        return f"FAILED ({_last_line(out)})"
    return f"{match.group(1)} ms/step median, {match.group(2)} frames/s aggregate (batch {batch})"


def decode_row(frames: int = 200, processes: tuple[int, ...] = (1, 8), size: tuple[int, int] = (1280, 720)) -> str:
    """``tracking/dev/decode_speed.py``: JPEG frames/s on the CPU per process count and with decode_jpeg on CUDA."""
    code, out = run([sys.executable, "tracking/dev/decode_speed.py", "--frames", str(frames), "--width", str(size[0]),
                     "--height", str(size[1]), "--processes", *map(str, processes)], timeout=300)
    rates = re.findall(r"x (\d+) processes: ([\d.]+) frames/s", out)
    if code or not rates:
        return f"FAILED ({_last_line(out)})"
    cuda = re.search(r"cuda decode_jpeg batch (\d+) .*: ([\d.]+) frames/s, max pixel difference[^\d]*(\d+)", out)
    gpu = (f"cuda decode_jpeg (batch {cuda.group(1)}) {cuda.group(2)}, max pixel diff {cuda.group(3)}" if cuda
           else "cuda not measured")
    cpu = ", ".join(f"cpu x{count} {rate}" for count, rate in rates)
    return f"{size[0]}x{size[1]} JPEG frames/s: {cpu}, {gpu}"


def benchmark_row(threads: int, device: str, batch: int = 1, videos: int = 8, frames: int = 120,
                  height: int = 480, width: int = 640) -> str:
    """``tracking/test.py`` end to end on ``videos`` generated sequences: wall-clock frames/s and sequences/hour."""
    from lib.utils.settings import Settings, save_settings
    from lib.utils.synthetic import render_videos, write_got10k

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_got10k(root / "got10k", render_videos(2022, videos, num_frames=frames, height=height, width=width),
                     "val")
        save_settings(Settings(got10k_dir=str(root / "got10k"), results_dir=str(root / "results")),
                      root / "settings.yaml")
        code, out = run([sys.executable, "tracking/test.py", DEFAULT_TRACKER, "tiny", "--dataset", "got10k_val",
                         "--settings", str(root / "settings.yaml"), "--checkpoint",
                         str(get_plugin(DEFAULT_TRACKER).embedded_checkpoint),
                         "--device", device, "--threads", str(threads), "--batch", str(batch), "--torch-threads", "1",
                         "--no-progress"], timeout=300)
    match = re.search(r"([\d.]+) frames/s and ([\d.]+) sequences/hour overall", out)
    if code or not match:
        return f"FAILED ({_last_line(out)})"
    return (f"{videos} x {frames}-frame {width}x{height} sequences (tiny): {match.group(1)} frames/s overall, "
            f"{float(match.group(2)):.0f} sequences/hour")


def train_row(tracker_name: str, amp: str, device: str, steps: int, experiment: str | None = None) -> str:
    from lib.trackers import load_config
    from lib.train.dataset import got10k_only_overrides
    from lib.train.trainer import CheckpointManager, Trainer, init_distributed
    from lib.utils.settings import Settings
    from lib.utils.synthetic import render_videos, write_got10k
    from lib.train.loader import build_loader_factory

    plugin = get_plugin(tracker_name)
    cfg = load_config(experiment or plugin.main_experiment, {"TRAIN": {"AMP": amp, "NUM_WORKER": 0}}, tracker_name)
    cfg = cfg.replace(got10k_only_overrides(cfg.DATA.TRAIN.to_dict()))
    recipe = plugin.training()
    ctx = init_distributed(device)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "got10k"
        write_got10k(root, render_videos(7, 4, num_frames=30, height=240, width=320), split="train")
        batch = next(iter(build_loader_factory(cfg, Settings(got10k_dir=str(root)), ctx, recipe)(1)))
        torch.manual_seed(0)
        model = recipe.build_model(cfg).to(ctx.device)
        trainer = Trainer(recipe.build_parts(model, cfg), cfg, ctx, lambda epoch: [],
                          CheckpointManager(Path(folder) / "ckpt", plugin.checkpoint_prefix), progress=False)
        trainer.actor.train()
        synchronize = torch.cuda.synchronize if ctx.device.type == "cuda" else (lambda: None)
        seconds = []
        for step in range(steps + 2):
            synchronize()
            start = time.perf_counter()
            stats = trainer.train_step(batch)
            synchronize()
            if step >= 2:
                seconds.append(time.perf_counter() - start)
    if not all(torch.isfinite(value) for value in stats.values()):
        return f"FAILED (non-finite losses {stats})"
    median, size = statistics.median(seconds), cfg.TRAIN.BATCH_SIZE
    return f"{1000 * median:.0f} ms/step, {size / median:.1f} samples/s (batch {size}, loader excluded)"


# ------------------------------------------------------------------------------------------ the driver
@dataclass(frozen=True)
class Row:
    """One check: its table name, time limit (s) and what it measures (given the device)."""

    name: str
    timeout: float
    measure: Callable[[str], str]


def rows(frames: int, steps: int) -> list[Row]:
    """Every check, in the order they run."""
    table = [Row("pytest CUDA", 300, pytest_row)]
    for tracker_name in tracker_names():
        for precision in ("fp32", "tf32"):
            table.append(Row(f"consistency {tracker_name} {precision}", 120,
                             lambda d, t=tracker_name, p=precision: consistency_row(t, p, d)))
    for precision in ("fp32", "tf32", "bf16", "fp16"):
        table.append(Row(f"fixture aiatrack {precision}", 90, lambda d, p=precision: aiatrack_fixture_row(p, d)))
    table.append(Row("fixture siamattn A", 180, siamattn_fixture_row))
    for tracker_name in tracker_names():
        for precision in get_plugin(tracker_name).precisions:
            table.append(Row(f"fps {tracker_name} {precision}", 120,
                             lambda d, t=tracker_name, p=precision: speed_row(t, p, d, frames)))
    for tracker_name in tracker_names():
        for precision in [p for p in get_plugin(tracker_name).precisions if p in ("fp32", "bf16")]:
            table.append(Row(f"fps batch 8 {tracker_name} {precision}", 120,
                             lambda d, t=tracker_name, p=precision: batch_speed_row(t, p, d, 8, max(30, frames // 4))))
    for tracker_name in tracker_names():
        for engine in CUDA_ENGINES:
            for precision in [p for p in get_plugin(tracker_name).precisions if p in ("fp32", "bf16")]:
                table.append(Row(f"fps engine {engine} {tracker_name} {precision}", 180,
                                 lambda d, e=engine, t=tracker_name, p=precision:
                                 speed_row(t, p, d, frames, ("--engine", e))))
    table.append(Row("decode 1280x720", 120, lambda d: decode_row()))
    for threads in (0, 4):
        table.append(Row(f"test.py threads {threads}", 150, lambda d, n=threads: benchmark_row(n, d)))
    table.append(Row("test.py batch 8 1280x720", 180,
                     lambda d: benchmark_row(0, d, batch=8, videos=16, frames=60, height=720, width=1280)))
    for tracker_name in tracker_names():
        for amp in ("none", "bf16"):
            table.append(Row(f"train {tracker_name} {amp}", 120,
                             lambda d, t=tracker_name, a=amp: train_row(t, a, d, steps)))
    return table


def run_row(row: Row, argv: list[str], timeout: float) -> str:
    """The row's result, measured in a child process (this script with ``--row``) under ``timeout``."""
    code, out = run([sys.executable, str(Path(__file__).resolve()), *argv, "--row", row.name], timeout)
    for line in reversed(out.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)["result"]
    return f"FAILED ({_last_line(out)}; exit {code})"


def measure_one(row: Row, device: str) -> str:
    """``row.measure(device)``, or FAILED with the error: one broken check must not hide the others."""
    try:
        return row.measure(device)
    except Exception as error:  # noqa: BLE001 - reported in the table, never raised
        return f"FAILED ({type(error).__name__}: {error})"


def main(argv: list[str] | None = None) -> int:
    parser = entry_parser(__doc__)
    parser.add_argument("--frames", type=int, default=300, help="frames per tracker speed run (default: 300)")
    parser.add_argument("--steps", type=int, default=10, help="timed training steps per row (default: 10)")
    parser.add_argument("--budget", type=float, default=470.0,
                        help="seconds for the whole run; rows that cannot start in time are not run (default: 470)")
    parser.add_argument("--only", nargs="+", default=None, metavar="PREFIX",
                        help="run only the rows whose names start with one of these (e.g. consistency fps)")
    parser.add_argument("--row", default=None, help=argparse.SUPPRESS)  # internal: measure one row here
    args = parser.parse_args(argv)
    table = rows(args.frames, args.steps)
    if args.row is not None:
        row = next(r for r in table if r.name == args.row)
        print(json.dumps({"result": measure_one(row, "cuda")}), flush=True)
        return 0
    if not torch.cuda.is_available():
        print("error: no CUDA device is available; run this on a GPU machine", file=sys.stderr)
        return 2
    if args.only:
        table = [r for r in table if r.name.startswith(tuple(args.only))]
    print(f"device: {torch.cuda.get_device_name(0)}, torch {torch.__version__}", flush=True)
    child_argv = ["--frames", str(args.frames), "--steps", str(args.steps)]
    deadline = time.monotonic() + args.budget
    results: list[tuple[str, str]] = []
    for row in table:
        left = deadline - time.monotonic()
        result = (run_row(row, child_argv, min(row.timeout, left)) if left > 10
                  else "FAILED (not run: the time budget was spent)")
        results.append((row.name, result))
        print(f"  {row.name}: {result}", flush=True)
    width = max(len(name) for name, _ in results)
    print("\n| check | result |\n|---|---|")
    for name, result in results:
        print(f"| {name:<{width}} | {result} |")
    return 0 if all("FAILED" not in result for _, result in results) else 1


if __name__ == "__main__":
    sys.exit(main())

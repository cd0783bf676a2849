"""GPU checks in one run, one table: CUDA tests, tracker fidelity and fps on CUDA, training step time.

Run on a machine with a CUDA device (``bash scripts/gpu_check.sh``); every row is measured here, nothing
is copied from elsewhere. Rows:

* ``pytest CUDA``: the tests that need CUDA (PrRoIPool CUDA vs CPU) and the model fidelity tests;
* ``fidelity cuda <precision>``: the official 30-frame tracker fixture (``../shared/reference``) run
  free on CUDA, largest box difference to the recorded official boxes (px) and cache decisions equal;
* ``aiatrack cuda <precision>``, ``siamattn cuda fp32``: end-to-end per-frame latency and fps at batch 1
  (crop included, synchronised, warm-up excluded) from ``tracking/tracker_speed.py``;
* ``train step <amp>``: forward + backward + AdamW step at the official batch (15) on random crops,
  steps/s and samples/s (the data loader excluded).
"""
from __future__ import annotations

import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch

from lib.utils.cli import entry_parser

REPO = Path(__file__).resolve().parents[1]


def run(command: list[str], timeout: int) -> tuple[int, str]:
    """Exit code and combined output of a command run in the repository root."""
    try:
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return 124, f"timed out after {timeout} s"
    return done.returncode, done.stdout + done.stderr


def pytest_row(timeout: int) -> tuple[str, str]:
    code, out = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/models/test_prroi_pool.py",
                     "tests/models/test_fidelity.py", "tests/models/test_inference.py"], timeout)
    last = out.strip().splitlines()[-1] if out.strip() else "no output"
    return ("pytest CUDA + fidelity", f"{'ok' if code == 0 else 'FAILED'}: {last}")


def fidelity_row(precision: str) -> tuple[str, str]:
    from tracking.precision_check import REFERENCE_DIR, free_run_fixture, load_model

    fixture_path, checkpoint = REFERENCE_DIR / "tracker_fixture_A.pt", REFERENCE_DIR / "aiatrack_synthetic.pth.tar"
    if not fixture_path.is_file() or not checkpoint.is_file():
        return (f"fidelity cuda {precision}", f"skipped: {REFERENCE_DIR} not available")
    fixture = torch.load(fixture_path, weights_only=True)
    model = load_model(checkpoint, "cuda")
    worst, flips = 0.0, 0
    for run_name, run_ in fixture["runs"].items():
        result = free_run_fixture(model, precision, fixture, run_name)
        worst = max(worst, float(abs(result["boxes"] - run_["target_bbox_xywh"][1:].numpy()).max()))
        flips += int((result["updated"] != run_["cache_updated"][1:].numpy().astype(bool)).sum())
    return (f"fidelity cuda {precision}", f"max box diff to official {worst:.2e} px (3 runs x 29 frames), "
                                          f"{flips} cache decisions differ")


def speed_row(precision: str | None, frames: int, timeout: int, tracker: str = "aiatrack") -> tuple[str, str]:
    """Tracker fps on CUDA; ``precision`` None = the config's (SiamAttn has no precision option)."""
    command = [sys.executable, "tracking/tracker_speed.py", "--tracker", tracker, "--device", "cuda",
               "--frames", str(frames), "--warmup", "20", "--torch-threads", "1"]
    command += ["--precision", precision] if precision else []
    name = f"{tracker} cuda {precision or 'fp32'}"
    code, out = run(command, timeout)
    match = re.search(r"median ([\d.]+) ms/frame \(([\d.]+) fps\)", out)
    if code or not match:
        return (name, f"FAILED ({out.strip().splitlines()[-1] if out.strip() else code})")
    return (name, f"{match.group(1)} ms/frame median, {match.group(2)} fps (batch 1, crop incl.)")


def train_row(amp: str, steps: int) -> tuple[str, str]:
    from lib.config import load_config
    from lib.models import build_aiatrack
    from lib.train.losses import tracking_loss_terms

    torch.manual_seed(0)
    cfg = load_config("baseline")
    model = build_aiatrack(cfg).cuda().train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    batch_size, refs, size, side, proposals = 15, 3, 320, 20, 16
    batch = {"reference_images": torch.randn(batch_size, refs, 3, size, size),
             "reference_masks": torch.zeros(batch_size, refs, size, size, dtype=torch.bool),
             "reference_regions": (torch.rand(batch_size, refs, side, side) > 0.7).float(),
             "search_image": torch.randn(batch_size, 3, size, size),
             "search_mask": torch.zeros(batch_size, size, size, dtype=torch.bool),
             "proposals": torch.rand(batch_size, proposals, 4) * 0.5}
    batch = {k: v.cuda() for k, v in batch.items()}
    gt = torch.tensor([[0.4, 0.4, 0.2, 0.2]], device="cuda").expand(batch_size, 4)
    iou_targets = torch.zeros(batch_size, proposals, device="cuda")
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(amp)
    seconds = []
    for step in range(steps + 3):
        torch.cuda.synchronize()
        start = time.perf_counter()
        with torch.autocast("cuda", dtype=dtype or torch.float32, enabled=dtype is not None):
            out = model(batch)
            terms = tracking_loss_terms(out["pred_boxes"].float(), gt, out["pred_iou"].float(), iou_targets)
            loss = 2 * terms["giou"] + 5 * terms["l1"] + 2 * terms["iou"]
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        torch.cuda.synchronize()
        if step >= 3:
            seconds.append(time.perf_counter() - start)
    median = statistics.median(seconds)
    return (f"train step {amp}", f"{1000 * median:.0f} ms/step, {1 / median:.2f} steps/s, "
                                 f"{batch_size / median:.1f} samples/s (batch 15, loader excluded)")


def add_row(rows: list[tuple[str, str]], name: str, measure: Callable[[], tuple[str, str]]) -> None:
    """Append ``measure()``'s row, or ``(name, "FAILED (error)")`` if it raises, and print it.

    One failing row must not hide the others; every failure makes the exit status 1.
    """
    try:
        rows.append(measure())
    except Exception as error:
        rows.append((name, f"FAILED ({type(error).__name__}: {error})"))
    print(f"  {rows[-1][0]}: {rows[-1][1]}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = entry_parser(__doc__)
    parser.add_argument("--frames", type=int, default=300, help="frames per tracker speed run (default: 300)")
    parser.add_argument("--steps", type=int, default=20, help="timed training steps per row (default: 20)")
    args = parser.parse_args(argv)
    if not torch.cuda.is_available():
        print("error: no CUDA device is available; run this on a GPU machine", file=sys.stderr)
        return 2
    print(f"device: {torch.cuda.get_device_name(0)}, torch {torch.__version__}", flush=True)
    rows = [pytest_row(timeout=240)]
    for precision in ("fp32", "bf16", "fp16"):
        add_row(rows, f"fidelity cuda {precision}", lambda p=precision: fidelity_row(p))
        add_row(rows, f"aiatrack cuda {precision}", lambda p=precision: speed_row(p, args.frames, 120))
    add_row(rows, "siamattn cuda fp32", lambda: speed_row(None, args.frames, 120, tracker="siamattn"))
    for amp in ("none", "bf16"):
        add_row(rows, f"train step {amp}", lambda a=amp: train_row(a, args.steps))
    width = max(len(name) for name, _ in rows)
    print("\n| check | result |\n|---|---|")
    for name, result in rows:
        print(f"| {name:<{width}} | {result} |")
    return 0 if all("FAILED" not in result for _, result in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

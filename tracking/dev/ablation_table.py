"""Smoke-scale version of the paper's ablation Tables 3 and 4: every variant trained tiny on synthetic videos.

For each file in ``experiments/aiatrack/ablations/`` (or the ``--variants`` given) the ablation switches
(``MODEL.AIA.{USE_AIA,ENCODER,DECODER,REFINEMENT}``, ``MODEL.REFERENCE.{EMBEDDING,MODE}``) are applied to
the tiny config (``experiments/aiatrack/tiny.yaml``), written as ``<workdir>/configs/tiny_<variant>.yaml``,
trained with ``tracking/train.py`` on the synthetic GOT-10k training videos of
``tracking/dev/train_tiny_synthetic.py``, tracked with ``tracking/test.py`` on the held-out synthetic videos
and scored with ``tracking/analysis_results.py``. The table gives AO (GOT-10k protocol), AUC (AiATrack
protocol), parameters and FLOPs per tracked frame (``tracking/dev/profile_model.py``'s counter).

THIS IS NOT THE PAPER'S EXPERIMENT: a ResNet-18 model with a random frozen trunk, 128 px crops, a few
hundred CPU steps on synthetic shapes, six held-out synthetic videos. Differences between rows are
mostly noise at this scale; the table shows that every variant trains, tracks and is measured.
Every step resumes (finished trainings and result files are kept), so re-running continues.

Example::

    python tracking/dev/ablation_table.py --workdir output/ablation_smoke            # 20 epochs per variant
    python tracking/dev/ablation_table.py --epochs 2 --variants full t4_refinement_conv
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import torch
import yaml

from lib.config import hyper_for_dataset
from lib.config.loader import EXPERIMENTS_DIR
from lib.models.aiatrack import build_aiatrack
from lib.models.aiatrack.profile import count_flops, make_step
from lib.trackers import load_config
from lib.trackers.aiatrack import PLUGIN
from lib.utils.cli import entry_parser
from lib.utils.io import atomic_write_text
from lib.utils.synthetic_runs import run, score, write_dataset
from lib.utils.paths import training_checkpoint

ABLATIONS_DIR = EXPERIMENTS_DIR / PLUGIN.name / "ablations"
SWITCHES = {"AIA": ("USE_AIA", "ENCODER", "DECODER", "REFINEMENT"), "REFERENCE": ("EMBEDDING", "MODE")}


def tiny_variant(ablation: Path) -> dict[str, Any]:
    """The tiny experiment dict with the ablation file's switches; raises ``ValueError`` for other keys."""
    data = yaml.safe_load(ablation.read_text(encoding="utf-8")) or {}
    model = data.get("MODEL", {})
    extra = [f"{section}.{key}" for section, values in model.items() for key in values
             if key not in SWITCHES.get(section, ())]
    if set(data) - {"MODEL"} or extra:
        raise ValueError(f"{ablation}: an ablation file may only set the switches {SWITCHES}, "
                         f"found {sorted(set(data) - {'MODEL'}) + extra}")
    tiny = yaml.safe_load((EXPERIMENTS_DIR / PLUGIN.name / "tiny.yaml").read_text(encoding="utf-8"))
    tiny["MODEL"] = dict(tiny["MODEL"])
    for section, values in model.items():
        tiny["MODEL"][section] = {**tiny["MODEL"].get(section, {}), **values}
    return tiny


def cost(config: Path) -> tuple[int, float]:
    """Parameters and GFLOPs per tracked frame (1 long-term + DEFAULT-row short-term references)."""
    cfg = load_config(config, tracker=PLUGIN.name)
    torch.manual_seed(0)
    model = build_aiatrack(cfg).eval()
    num_short = hyper_for_dataset(cfg, "default")[1]
    flops = count_flops(make_step(model, cfg.TEST.SEARCH_SIZE, num_short, torch.device("cpu")))
    return sum(p.numel() for p in model.parameters()), flops["total"] / 1e9


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = entry_parser(__doc__)
    parser.add_argument("--workdir", type=Path, default=Path("output/ablation_smoke"),
                        help="synthetic data, configs, checkpoints, results and the table")
    parser.add_argument("--variants", nargs="+", default=None,
                        help="ablation file stems (default: every file in experiments/aiatrack/ablations)")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default: tiny.yaml's)")
    parser.add_argument("--train-videos", type=int, default=60, help="synthetic training videos")
    parser.add_argument("--val-videos", type=int, default=6, help="held-out synthetic videos")
    parser.add_argument("--frames", type=int, default=50, help="frames per synthetic video")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = args.workdir.resolve()
    files = ([ABLATIONS_DIR / f"{name}.yaml" for name in args.variants] if args.variants
             else sorted(ABLATIONS_DIR.glob("*.yaml")))
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        print(f"error: no ablation file {', '.join(missing)}", file=sys.stderr)
        return 2
    write_dataset(workdir / "got10k", args.train_videos, args.val_videos, args.frames)
    settings = workdir / "settings.yaml"
    atomic_write_text(settings, yaml.safe_dump({
        "got10k_dir": str(workdir / "got10k"), "workspace_dir": str(workdir / "workspace"),
        "results_dir": str(workdir / "results"), "result_plots_dir": str(workdir / "plots")}))
    rows = []
    for ablation in files:
        config = workdir / "configs" / f"tiny_{ablation.stem}.yaml"
        variant = tiny_variant(ablation)
        if args.epochs is not None:
            variant["TRAIN"] = {**variant["TRAIN"], "EPOCH": args.epochs,
                                "LR_DROP_EPOCH": max(1, round(args.epochs * 0.8))}
            variant["TEST"] = {**variant["TEST"], "EPOCH": args.epochs}
        config.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(config, yaml.safe_dump(variant, sort_keys=False))
        epochs = load_config(config, tracker=PLUGIN.name).TRAIN.EPOCH
        last = training_checkpoint(workdir / "workspace", PLUGIN.name, config.stem, PLUGIN.checkpoint_prefix, epochs)
        if not last.is_file():
            run(["tracking.train", "--tracker", PLUGIN.name, "--config", str(config), "--settings", str(settings), "--no-progress"])
        scores = score(settings, last, run_id=epochs, tracker=PLUGIN.name, config=str(config))
        params, gflops = cost(config)
        rows.append({"variant": ablation.stem, "AO": scores.get("AO"), "AUC": scores.get("AUC"),
                     "params": params, "GFLOPs": gflops, "epochs": epochs})
        atomic_write_text(workdir / "ablation_table.json", json.dumps(rows, indent=1))
    print(f"\nSMOKE-SCALE ablation (tiny config, synthetic videos, {args.val_videos} held-out videos; "
          "NOT the paper's setting, differences are mostly noise)")
    print(f"| {'variant':<26} | {'AO %':>6} | {'AUC %':>6} | {'params':>10} | {'GFLOPs':>7} |")
    print(f"|{'-' * 28}|{'-' * 8}|{'-' * 8}|{'-' * 12}|{'-' * 9}|")
    for row in rows:
        ao, auc = (f"{row[k]:6.2f}" if row[k] is not None else "   n/a" for k in ("AO", "AUC"))
        print(f"| {row['variant']:<26} | {ao} | {auc} | {row['params']:>10,} | {row['GFLOPs']:>7.3f} |")
    print(f"(table also in {workdir / 'ablation_table.json'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

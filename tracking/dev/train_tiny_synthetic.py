"""Regenerate ``checkpoints/aiatrack_tiny_synthetic.pth.tar`` (or, with ``--tracker siamattn``,
``checkpoints/siamattn_tiny_synthetic.pth``): the tiny model trained on synthetic videos.

Steps (each resumable; re-running the command continues where it stopped):

1. write synthetic videos in the GOT-10k layout: ``train/`` for training and a held-out ``val/``
   (a different random family) for evaluation;
2. save the untrained model (the exact initial weights of the training run) and track the held-out
   videos with ``tracking/test.py``; score them with ``tracking/analysis_results.py`` (AO, SR, AUC);
3. train with ``tracking/train.py --config tiny`` on the synthetic ``train/`` set;
4. export the last checkpoint for the demo (weights stored as float16 to keep the file small, plus
   the config) and score the exported file on the same held-out videos;
5. print loss and accuracy before and after.

Example::

    python tracking/dev/train_tiny_synthetic.py --workdir output/tiny_synthetic
    python tracking/dev/train_tiny_synthetic.py --tracker siamattn --workdir output/tiny_synthetic_siamattn
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import torch
import yaml

from lib.trackers import DEFAULT_TRACKER, get_plugin, load_config, tracker_names
from lib.test.evaluation.results import result_dir
from lib.train.seeding import seed_everything
from lib.utils.cli import entry_parser, parse_overrides
from lib.utils.io import atomic_torch_save, atomic_write_text
from lib.utils.settings import load_settings
from lib.utils.synthetic_runs import run, score, write_dataset
from lib.utils.paths import training_checkpoint

CONFIG = "tiny"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = entry_parser(__doc__)
    parser.add_argument("--tracker", choices=tracker_names(), default=DEFAULT_TRACKER,
                        help=f"tracker to train (default: {DEFAULT_TRACKER})")
    parser.add_argument("--workdir", default="output/tiny_synthetic",
                        help="synthetic data, training outputs and tracking results go here")
    parser.add_argument("--output", default=None,
                        help="exported demo checkpoint (default: checkpoints/<tracker>_tiny_synthetic.pth[.tar])")
    parser.add_argument("--train-videos", type=int, default=60, help="synthetic training videos")
    parser.add_argument("--val-videos", type=int, default=6, help="held-out synthetic videos")
    parser.add_argument("--frames", type=int, default=50, help="frames per synthetic training video")
    parser.add_argument("--val-frames", type=int, default=None,
                        help="frames per held-out video (default: --frames)")
    parser.add_argument("--override", action="append", default=[], metavar="KEY=VALUE",
                        help="training config override passed to train.py (e.g. TRAIN.EPOCH=4)")
    return parser.parse_args(argv)


def export_for_demo(checkpoint: Path, output: Path, tracker: str) -> None:
    """Weights (float16) + config + epoch + loss history of a training checkpoint, written atomically."""
    state = torch.load(checkpoint, map_location="cpu", weights_only=True)
    net = {k: v.half() if v.is_floating_point() else v for k, v in state["net"].items()}
    atomic_torch_save({"net": net, "config": state["config"], "epoch": state["epoch"],
                       "history": state.get("history", []),
                       "note": f"tiny {tracker} trained on synthetic videos only; weights stored as float16"}, output)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(args.workdir).resolve()
    data_root = workdir / "got10k"
    write_dataset(data_root, args.train_videos, args.val_videos, args.frames, args.val_frames)
    settings = workdir / "settings.yaml"
    atomic_write_text(settings, yaml.safe_dump({
        "got10k_dir": str(data_root), "workspace_dir": str(workdir / "workspace"),
        "results_dir": str(workdir / "results"), "result_plots_dir": str(workdir / "plots")}))

    tracker = args.tracker
    plugin = get_plugin(tracker)
    recipe = plugin.training()
    cfg = load_config(CONFIG, tracker=tracker)
    untrained = workdir / "untrained.pth.tar"
    if not untrained.is_file():
        seed_everything(cfg.TRAIN.SEED)            # the initial weights train.py starts from
        model = recipe.build_model(cfg)
        atomic_torch_save({"net": model.state_dict(), "config": cfg.to_dict(), "epoch": 0}, untrained)
    before = score(settings, untrained, run_id=0, tracker=tracker, config=CONFIG)

    overrides = [f"--override={item}" for item in args.override]
    run(["tracking.train", "--tracker", tracker, "--config", CONFIG, "--settings", str(settings), "--no-progress",
         *overrides])
    epochs = load_config(CONFIG, parse_overrides(args.override, "--override"), tracker=tracker).TRAIN.EPOCH
    last = training_checkpoint(workdir / "workspace", tracker, CONFIG, plugin.checkpoint_prefix, epochs)
    output = Path(args.output) if args.output else plugin.embedded_checkpoint
    export_for_demo(last, output, tracker)
    stale = result_dir(load_settings(settings), tracker, CONFIG, run_id=1)
    if stale.exists():              # results of an earlier export: track again with this one
        shutil.rmtree(stale)
    after = score(settings, output, run_id=1, tracker=tracker, config=CONFIG)

    history = torch.load(output, weights_only=True)["history"]
    print(f"\nexported {output} ({output.stat().st_size / 1e6:.1f} MB)")
    print(f"training loss: epoch 1 {history[0]['total']:.4f} -> epoch {history[-1]['epoch']} "
          f"{history[-1]['total']:.4f}; {history[-1]['step_time']:.2f} s per step, "
          f"{history[-1]['data_time']:.2f} s data wait")
    print(f"held-out synthetic videos ({args.val_videos}, got10k_val layout):")
    for name in sorted(set(before) | set(after)):
        print(f"  {name:>10}: untrained {before.get(name, float('nan')):.4f}   trained {after.get(name, float('nan')):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

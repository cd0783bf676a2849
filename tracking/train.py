"""Train AiATrack (default) or SiamAttn (``--tracker siamattn``): one process, or several through torchrun (DDP).

    python tracking/train.py --config baseline                 # one process (GPU if available)
    python tracking/train.py --config baseline --nproc 8       # 8 processes on this machine
    python tracking/train.py --config baseline --nproc 8 --nnodes 2 --node-rank 0 \\
        --master-addr 10.0.0.1 --master-port 29500             # first of two machines

Checkpoints go to ``<workspace_dir>/checkpoints/train/<tracker>/<config>/<TRACKER>_ep<epoch>.pth.tar``
(the place ``tracking/test.py`` looks), the text log to ``<workspace_dir>/logs`` and TensorBoard
scalars to ``<workspace_dir>/tensorboard``. Running the same command again resumes from the newest
checkpoint. ``--override TRAIN.AMP=bf16`` (or ``fp16``, CUDA only) trains in mixed precision;
``--override TRAIN.SYNC_BN=true`` makes the heads' BatchNorm statistics span all processes (the
official training keeps them per process). Bitwise identical reruns on CPU need
``OMP_NUM_THREADS=1 MKL_CBWR=AUTO,STRICT``; otherwise reruns agree up to float rounding.

Each process uses one torch thread unless ``--torch-threads`` (or ``OMP_NUM_THREADS``) says otherwise,
the policy of every entry point (lib/utils/cli.py): idle OpenMP threads spin, and on a busy machine two
threads can be ten times slower than one.
``python -m torch.distributed.launch`` works too (its ``--local-rank`` flag is accepted and ignored; the
rank comes from the environment).

Bad input (configuration, overrides, settings, dataset annotations and frames, checkpoints, a full
disk) stops the run with one line naming the file and what is wrong, exit status 2 (the traceback
goes to the log file only); Ctrl-C exits with 130, and re-running the same command resumes from the
newest checkpoint.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import Sequence

from torch.distributed.elastic.multiprocessing.errors import record

from lib.trackers import DEFAULT_TRACKER, get_plugin, load_config, tracker_names
from lib.train.loader import build_loader_factory
from lib.train.seeding import seed_everything
from lib.train.trainer import CheckpointManager, Trainer, init_distributed, shutdown_distributed
from lib.train.trainer.distributed import free_port, synchronize_batch_norms
from lib.train.trainer.logs import ScalarWriter, setup_text_log
from lib.utils.cli import (add_device_option, add_settings_options, add_torch_threads_option, apply_torch_threads,
                           entry_parser, parse_overrides, settings_from_args)
from lib.utils.paths import training_log, training_run_dir, training_scalars_dir

def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = entry_parser(__doc__)
    parser.add_argument("--tracker", choices=tracker_names(), default=DEFAULT_TRACKER,
                        help=f"tracker to train (default: {DEFAULT_TRACKER})")
    parser.add_argument("--config", default="baseline",
                        help="experiment name in experiments/<tracker>/ or a YAML file (default: baseline)")
    parser.add_argument("--override", action="append", default=[], metavar="KEY=VALUE",
                        help="config override, e.g. TRAIN.EPOCH=10 (YAML value; repeatable)")
    add_settings_options(parser)
    parser.add_argument("--workspace", default=None, help="output folder (default: settings workspace_dir)")
    add_device_option(parser, auto=True)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (e.g. in batch jobs)")
    add_torch_threads_option(parser)
    # torch.distributed.launch passes --local-rank=N (--local_rank before torch 2); the rank is read from
    # the environment (LOCAL_RANK), so the flag is accepted and ignored.
    parser.add_argument("--local-rank", "--local_rank", type=int, default=None, help=argparse.SUPPRESS)
    dist = parser.add_argument_group("distributed (launches torchrun when --nproc > 1 or --nnodes > 1)")
    dist.add_argument("--nproc", type=int, default=1, help="processes on this machine, one per GPU (default: 1)")
    dist.add_argument("--nnodes", type=int, default=1, help="number of machines (default: 1)")
    dist.add_argument("--node-rank", type=int, default=0, help="rank of this machine (default: 0)")
    dist.add_argument("--master-addr", default="127.0.0.1", help="address of the rank-0 machine (default: 127.0.0.1)")
    dist.add_argument("--master-port", type=int, default=None,
                      help="rendezvous port (default: a free port; required with --nnodes > 1)")
    args = parser.parse_args(argv)
    if args.nproc < 1 or args.nnodes < 1:
        parser.error("--nproc and --nnodes must be at least 1")
    if args.nnodes > 1 and args.master_port is None:
        parser.error("--master-port is required with --nnodes > 1 (all machines must use the same port)")
    return args


LAUNCH_OPTIONS = ("--nproc", "--nnodes", "--node-rank", "--master-addr", "--master-port")


def training_arguments(argv: Sequence[str]) -> list[str]:
    """``argv`` without the launch options (torchrun would read them, ``--nproc`` ambiguously)."""
    kept: list[str] = []
    skip_value = False
    for item in argv:
        if skip_value:
            skip_value = False
        elif item in LAUNCH_OPTIONS:
            skip_value = True
        elif not item.startswith(tuple(f"{option}=" for option in LAUNCH_OPTIONS)):
            kept.append(item)
    return kept


def launch_torchrun(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Re-run this script under ``torch.distributed.run`` with the same training arguments; its exit code."""
    port = args.master_port if args.master_port is not None else free_port()
    command = [sys.executable, "-m", "torch.distributed.run", f"--nproc-per-node={args.nproc}",
               f"--nnodes={args.nnodes}", f"--node-rank={args.node_rank}", f"--master-addr={args.master_addr}",
               f"--master-port={port}", str(Path(__file__).resolve()), *training_arguments(argv)]
    return subprocess.call(command)


def one_line(error: BaseException) -> str:
    """The message of ``error`` on one line; for an error re-raised from a data loader worker, the
    original error's message (the worker's traceback is dropped) with a note where it happened."""
    text = str(error).strip()
    if "Original Traceback" in text:  # torch.utils.data re-raises worker errors with their traceback
        last = text.splitlines()[-1]
        return f"{last.split(': ', 1)[1] if ': ' in last else last} (in a data loader worker)"
    return " ".join(line.strip() for line in text.splitlines() if line.strip()) or type(error).__name__


# Errors of the input (config, overrides, settings, datasets, frames, checkpoints, disk): one line, exit 2.
INPUT_ERRORS = (ValueError, OSError)


class TrainingStopped(Exception):
    """Training stopped (input error or Ctrl-C) and the reason was logged on one line; ``status`` = exit code."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def run(args: argparse.Namespace) -> dict[str, float]:
    """Train in this process (one rank of a torchrun launch, or alone); the last epoch's means."""
    ctx = init_distributed(args.device)
    apply_torch_threads(args.torch_threads)
    try:
        plugin = get_plugin(args.tracker)
        recipe = plugin.training()
        cfg = load_config(args.config, parse_overrides(args.override, "--override"), tracker=args.tracker)
        settings = settings_from_args(args)
        name = Path(args.config).stem
        workspace = Path(args.workspace or settings.workspace_dir)
        log = setup_text_log(training_log(workspace, args.tracker, name), ctx.is_main)
        try:
            log.info("config %s, %d process(es), device %s", name, ctx.world_size, ctx.device)
            seed_everything(cfg.TRAIN.SEED)        # identical initial weights on every process
            model = recipe.build_model(cfg)
            if cfg.TRAIN.SYNC_BN and ctx.distributed:
                synchronize_batch_norms(model)
            model.to(ctx.device)
            parts = recipe.build_parts(model, cfg)
            seed_everything(cfg.TRAIN.SEED + ctx.rank)   # per-process dropout streams
            checkpoints = CheckpointManager(training_run_dir(workspace, args.tracker, name),
                                            plugin.checkpoint_prefix,
                                            cfg.TRAIN.CHECKPOINT_KEEP_LAST, cfg.TRAIN.CHECKPOINT_KEEP_EVERY)
            writer = ScalarWriter(training_scalars_dir(workspace, args.tracker, name) if ctx.is_main else None)
            trainer = Trainer(parts, cfg, ctx, build_loader_factory(cfg, settings, ctx, recipe), checkpoints,
                              writer, log, progress=not args.no_progress)
            try:
                return trainer.train()
            finally:
                writer.close()
        except INPUT_ERRORS as error:
            log.error("training stopped on rank %d: %s", ctx.rank, one_line(error))
            log.debug("where the error was raised", exc_info=True)  # the log file only
            raise TrainingStopped(2) from error
        except KeyboardInterrupt:
            log.error("training interrupted on rank %d; re-run the same command to resume from the newest "
                      "checkpoint", ctx.rank)
            raise TrainingStopped(130) from None
        except BaseException:
            log.exception("training failed on rank %d", ctx.rank)
            raise
    finally:
        shutdown_distributed()


@record
def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: launch torchrun for several processes, else train here."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    launched = "LOCAL_RANK" in os.environ
    if not launched and (args.nproc > 1 or args.nnodes > 1):
        return launch_torchrun(args, argv)
    try:
        run(args)
    except TrainingStopped as stopped:
        return stopped.status
    except INPUT_ERRORS as error:  # before the log was set up: config, overrides, settings
        print(f"error: {one_line(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

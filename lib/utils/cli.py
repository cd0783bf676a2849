"""Command-line pieces shared by the entry points (``tracking/*.py``, ``scripts/*.py``, ``lib/test/vot_trax.py``).

- :func:`entry_parser`: options are never abbreviated (``--set`` is an error, not ``--settings``) and a
  command-line error is one line on stderr, exit status :data:`BAD_INPUT`; warnings print as one line
  (:func:`one_line_warnings`);
- :func:`add_settings_options` / :func:`settings_from_args`: ``--settings FILE`` and ``--setting NAME=PATH``;
- :func:`add_device_option`: ``--device`` (``cuda`` without a CUDA device is refused here, in one line);
- :func:`add_precision_option`: ``--precision`` (``TEST.PRECISION``, see ``lib/utils/device.py``);
- :func:`add_torch_threads_option` / :func:`torch_threads` / :func:`apply_torch_threads`: the thread policy;
- :func:`parse_overrides`: ``KEY=VALUE`` config overrides (``--override``);
- :func:`print_run_summary` and :data:`INTERRUPTED`: the end of a benchmark run (``tracking/test.py``,
  ``tracking/quickstart.py``).

Thread policy: every process that runs torch (the process of a script, each worker of ``tracking/test.py``,
each training process) uses ``--torch-threads N`` intra-op threads, else ``$OMP_NUM_THREADS``, else 1.
Idle OpenMP threads spin, so on a CPU shared with other jobs two threads per process are often several
times slower than one; use more cores through more processes (``tracking/test.py --threads``), or more
threads per process on an otherwise idle machine.
"""
from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import torch
import yaml

from lib.utils.device import BACKENDS, DEFAULT_BACKEND, PRECISIONS
from lib.utils.settings import Settings, load_settings, setting_names

if TYPE_CHECKING:
    from lib.test.evaluation.outcomes import RunSummary

BAD_INPUT = 2  # exit status of every entry point on bad input
INTERRUPTED = 130  # exit status of a run stopped by Ctrl-C (128 + SIGINT)
THREADS_HELP = ("intra-op torch threads per process (default: $OMP_NUM_THREADS, else 1: fastest on a CPU "
                "shared with other jobs; more only helps on an otherwise idle machine)")


class _OneLineErrors(argparse.ArgumentParser):
    """An argument parser whose errors are one line (the usage is in ``--help``)."""

    def error(self, message: str) -> NoReturn:
        self.exit(BAD_INPUT, f"{self.prog}: error: {message} (--help lists the options)\n")

    def parse_args(self, args: Sequence[str] | None = None, namespace: Any = None) -> Any:
        """As argparse, but an unknown option is reported first: argparse names a missing required argument
        before it, which hides a misspelled flag behind an unrelated message."""
        tokens = list(sys.argv[1:] if args is None else args)
        unknown = self._unknown_options(tokens)
        if unknown:
            self.error(f"unrecognized arguments: {' '.join(unknown)}")
        return super().parse_args(tokens, namespace)

    def _unknown_options(self, tokens: list[str]) -> list[str]:
        """Tokens before ``--`` that look like options (not negative numbers) and name none of this parser's;
        none for a parser with sub-commands, whose options belong to the sub-parsers."""
        if any(isinstance(action, argparse._SubParsersAction) for action in self._actions):
            return []
        unknown = []
        for token in tokens:
            if token == "--":
                break
            if not token.startswith("-") or token == "-" or self._negative_number_matcher.match(token):
                continue
            if token.split("=", 1)[0] not in self._option_string_actions:
                unknown.append(token)
        return unknown


def entry_parser(description: str | None, add_help: bool = True) -> argparse.ArgumentParser:
    """The parser of an entry point: ``description`` shown as written, no abbreviated options, one-line errors
    (``add_help=False``: no ``--help``, for a parser that only picks the parser of the rest).

    Building it also switches the process to :func:`one_line_warnings`: entry points report to people, not
    to developers."""
    one_line_warnings()
    return _OneLineErrors(description=description, formatter_class=argparse.RawDescriptionHelpFormatter,
                          allow_abbrev=False, add_help=add_help)


def _format_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                    line: str | None = None) -> str:
    return f"warning: {message}\n"


def one_line_warnings() -> None:
    """Print every warning of this process as ``warning: <message>`` on stderr, without the file, line
    number and source line Python adds for developers."""
    warnings.formatwarning = _format_warning


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def non_negative_int(text: str) -> int:
    """argparse type: an integer >= 0."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def setting_override(text: str) -> tuple[str, str]:
    """argparse type of ``--setting``: ``'NAME=PATH'`` -> ``(NAME, PATH)``; NAME must be a settings key."""
    name, sep, path = text.partition("=")
    if not sep or not name or not path:
        raise argparse.ArgumentTypeError(f"expected NAME=PATH, got {text!r}")
    if name not in setting_names():
        raise argparse.ArgumentTypeError(f"unknown setting {name!r}; known: {', '.join(setting_names())}")
    return name, path


def add_settings_options(parser: argparse.ArgumentParser) -> None:
    """``--settings FILE`` and the repeatable ``--setting NAME=PATH`` (read with :func:`settings_from_args`)."""
    parser.add_argument("--settings", default=None, metavar="FILE",
                        help="settings file (default: $AIATRACK_SETTINGS or ./settings.yaml; "
                             "see tracking/create_settings.py)")
    parser.add_argument("--setting", action="append", type=setting_override, default=[], metavar="NAME=PATH",
                        help="override one settings entry, e.g. got10k_dir=/data/got10k (repeatable)")


def settings_from_args(args: argparse.Namespace, **flags: str | None) -> Settings:
    """The settings of ``--settings``, overridden by each ``--setting``, then by the non-empty ``flags``
    (a script's own flags, e.g. ``results_dir=args.results_dir``).

    Raises ``FileNotFoundError`` (a named settings file is missing) or ``ValueError`` (malformed file),
    both naming the file, as :func:`lib.utils.settings.load_settings`.
    """
    overrides = dict(args.setting)
    overrides.update({name: value for name, value in flags.items() if value})
    return load_settings(args.settings, overrides)


def available_device(text: str) -> str:
    """argparse type of ``--device``: ``cuda`` only where a CUDA device is present (the choices are the option's)."""
    if text == "cuda" and not torch.cuda.is_available():
        raise argparse.ArgumentTypeError("cuda requested but no CUDA device is available")
    return text


def add_device_option(parser: argparse.ArgumentParser, auto: bool = False) -> None:
    """``--device cpu|cuda`` (default cpu), or with ``auto`` also ``auto`` (CUDA when available; the default).

    ``cuda`` on a machine without a CUDA device is a one-line command-line error before any work.
    """
    if auto:
        parser.add_argument("--device", type=available_device, default="auto", choices=("auto", "cpu", "cuda"),
                            help="auto = CUDA when available (default: auto)")
    else:
        parser.add_argument("--device", type=available_device, default="cpu", choices=("cpu", "cuda"),
                            help="torch device (default: cpu)")


def add_precision_option(parser: argparse.ArgumentParser) -> None:
    """``--precision`` (default None: the config's ``TEST.PRECISION``), one of ``lib.utils.device.PRECISIONS``."""
    parser.add_argument("--precision", default=None, choices=tuple(PRECISIONS),
                        help="network precision, sets TEST.PRECISION (default: the config's, fp32 = IEEE float32, "
                             "TF32 off; tf32 = float32 with TF32 matmuls/convolutions on Ampere+ GPUs; bf16/fp16: "
                             "AiATrack only, fp16 on GPUs)")


def add_backend_option(parser: argparse.ArgumentParser) -> None:
    """``--backend`` (default ``lib.utils.device.DEFAULT_BACKEND``), one of ``lib.utils.device.BACKENDS``."""
    parser.add_argument("--backend", default=DEFAULT_BACKEND, choices=BACKENDS,
                        help="what runs the network: torch (default) or onnxruntime (exported ONNX graphs, fp32, "
                             "exported on first use and cached beside the checkpoint; see docs/onnx.md)")


def add_torch_threads_option(parser: argparse.ArgumentParser) -> None:
    """``--torch-threads N`` (default None: the policy of :func:`torch_threads`)."""
    parser.add_argument("--torch-threads", type=positive_int, default=None, metavar="N", help=THREADS_HELP)


def torch_threads(requested: int | None = None) -> int:
    """Intra-op threads of a process: ``requested``, else ``$OMP_NUM_THREADS`` (a positive integer), else 1."""
    if requested is not None:
        return requested
    env = os.environ.get("OMP_NUM_THREADS", "").strip()
    return int(env) if env.isdigit() and int(env) > 0 else 1


def apply_torch_threads(requested: int | None = None) -> int:
    """Set this process's torch intra-op threads by :func:`torch_threads`; returns the number set."""
    threads = torch_threads(requested)
    torch.set_num_threads(threads)
    return threads


def parse_overrides(items: Sequence[str], flag: str) -> dict[str, Any]:
    """``A.B=value`` items -> nested dict with YAML-parsed values; ValueError naming ``flag`` and the item."""
    nested: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"{flag} {item!r}: expected KEY=VALUE")
        node = nested
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        try:
            node[leaf] = yaml.safe_load(value)
        except yaml.YAMLError:
            raise ValueError(f"{flag} {item!r}: the value is not valid YAML") from None
    return nested


def print_run_summary(summary: RunSummary, out_dir: Path) -> None:
    """Counts, failures (stderr) and the achieved speed of a benchmark run whose results are in ``out_dir``."""
    print(f"{len(summary.done)} sequence(s) tracked, {len(summary.skipped)} skipped (results exist), "
          f"{len(summary.failed)} failed; results in {out_dir}")
    for outcome in summary.failed:
        print(f"  FAILED {outcome.name}: {outcome.error}", file=sys.stderr)
    if summary.not_run:
        print(f"run stopped early: {len(summary.not_run)} sequence(s) not run; fix the cause above and re-run the "
              "same command to resume", file=sys.stderr)
    if summary.done:
        print(f"{summary.frames} frames: {summary.fps:.2f} fps per tracker (tracker time only), "
              f"{summary.wall_fps:.2f} frames/s and {summary.sequences_per_hour:.1f} sequences/hour overall "
              f"({summary.wall_seconds:.1f} s wall clock)")

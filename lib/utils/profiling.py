"""Where time and size go: wall-clock accounting of named stages (the data pipelines report where their time
goes), and the pieces every tracker's profiler (``TrackerPlugin.profile``) shares: parameter tables, FLOP
lines and the common options."""
from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from typing import Iterator

from torch import nn

from lib.utils.cli import entry_parser

__all__ = ["StageTimer", "format_flops", "format_parameter_table", "parameter_table", "profile_parser"]


class StageTimer:
    """Accumulated wall-clock seconds per named stage (read by the data benchmark)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Add the time spent inside the ``with`` block to ``seconds[name]``."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - start


def parameter_table(model: nn.Module, components: Mapping[str, Sequence[nn.Module]]) -> list[tuple[str, int, int]]:
    """(component, parameters, trainable parameters) per named group of modules, in the given order, plus an
    ``other`` row for the parameters of ``model`` no group holds (left out when there are none)."""
    rows, covered = [], set()
    for name, modules in components.items():
        params = [p for module in modules for p in module.parameters()]
        covered.update(id(p) for p in params)
        rows.append((name, sum(p.numel() for p in params), sum(p.numel() for p in params if p.requires_grad)))
    others = [p for p in model.parameters() if id(p) not in covered]
    if others:
        rows.append(("other", sum(p.numel() for p in others), sum(p.numel() for p in others if p.requires_grad)))
    return rows


def format_parameter_table(rows: Sequence[tuple[str, int, int]]) -> str:
    """The rows of :func:`parameter_table` as a text table with a ``total`` line."""
    lines = [f"{'component':<22}{'parameters':>14}{'trainable':>14}"]
    lines += [f"{name:<22}{count:>14,}{trainable:>14,}" for name, count, trainable in rows]
    lines.append(f"{'total':<22}{sum(r[1] for r in rows):>14,}{sum(r[2] for r in rows):>14,}")
    return "\n".join(lines)


def format_flops(flops: Mapping[str, int], stages: Sequence[str]) -> str:
    """Two lines: the FLOPs of one tracked frame in total and per stage (``flops[stage]``, ``flops["total"]``)."""
    return (f"FLOPs per tracked frame (FlopCounterMode, multiply-add = 2): {flops['total'] / 1e9:.3f} G\n"
            "  " + ", ".join(f"{stage} {flops[stage] / 1e9:.3f} G" for stage in stages))


def profile_parser(description: str | None, tracker: str, default_config: str) -> argparse.ArgumentParser:
    """The parser of a tracker's profiler (``TrackerPlugin.profile``, run by ``tracking/dev/profile_model.py``) with
    the options every profiler takes: ``--config`` (its default described by ``default_config``) and
    ``--checkpoint``."""
    parser = entry_parser(description)
    parser.prog = f"{parser.prog} --tracker {tracker}"
    parser.add_argument("--config", default=None,
                        help=f"experiment name in experiments/{tracker}/ or a YAML path (default: {default_config})")
    parser.add_argument("--checkpoint", default=None,
                        help="weights to load (official or ours; default: random weights, same counts and timings)")
    return parser

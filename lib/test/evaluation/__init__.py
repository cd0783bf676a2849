"""Benchmark loaders: ``load_benchmark(name, settings)`` returns the benchmark's :class:`Sequence` list.

Each benchmark reads its real on-disk layout from the root configured in the settings
(``python tracking/create_settings.py``); see ``BENCHMARKS`` for names, roots and splits.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, Iterable

from lib.test.evaluation.annotations import AnnotationError
from lib.test.evaluation import got10k, lasot, nfs, otb, trackingnet, uav, vot
from lib.test.evaluation.layout import DatasetLayoutError
from lib.test.evaluation.sequence import Sequence
from lib.utils.settings import Settings

Loader = Callable[..., list[Sequence]]  # called as loader(root, sequences=...)


@dataclass(frozen=True)
class Benchmark:
    """A benchmark: the settings entry holding its root, one loader per split (first = default), its layout."""

    settings_key: str
    splits: dict[str, Loader]
    description: str
    layout: str

    @property
    def default_split(self) -> str:
        """The split evaluated when none is asked for."""
        return next(iter(self.splits))


BENCHMARKS: dict[str, Benchmark] = {
    "lasot": Benchmark("lasot_dir", {s: partial(lasot.load_lasot, split=s) for s in ("test", "train")},
                       "LaSOT test (280 sequences); split 'train' = the 1120 training sequences", lasot.LAYOUT),
    "lasot_ext": Benchmark("lasot_ext_dir", {"extension": partial(lasot.load_lasot, split="extension")},
                           "LaSOT extension (150 sequences; root defaults to the LaSOT root)", lasot.LAYOUT),
    "got10k_test": Benchmark("got10k_dir", {"test": partial(got10k.load_got10k, split="test")},
                             "GOT-10k test (180 sequences, first-frame ground truth only)", got10k.LAYOUT),
    "got10k_val": Benchmark("got10k_dir", {"val": partial(got10k.load_got10k, split="val")},
                            "GOT-10k validation (180 sequences)", got10k.LAYOUT),
    "trackingnet": Benchmark("trackingnet_dir",
                             {s: partial(trackingnet.load_trackingnet, split=s) for s in trackingnet.SPLITS},
                             "TrackingNet TEST (511 sequences, first-frame ground truth only); splits TRAIN_0..11",
                             trackingnet.LAYOUT),
    "nfs": Benchmark("nfs_dir", {"test": nfs.load_nfs}, "NfS 30 fps (100 sequences, pytracking layout)", nfs.LAYOUT),
    "otb": Benchmark("otb_dir", {"test": otb.load_otb}, "OTB-100 (100 sequences)", otb.LAYOUT),
    "uav": Benchmark("uav_dir", {"test": uav.load_uav}, "UAV123 (123 sequences)", uav.LAYOUT),
    "vot16": Benchmark("vot16_dir", {"test": vot.load_vot}, "VOT2016 (60 sequences, polygon ground truth)",
                       vot.LAYOUT),
    "vot18": Benchmark("vot18_dir", {"test": vot.load_vot}, "VOT-ST2018 (60 sequences, polygon ground truth)",
                       vot.LAYOUT),
    "vot20": Benchmark("vot20_dir", {"test": vot.load_vot}, "VOT2020 short-term (60 sequences)", vot.LAYOUT),
}


def load_benchmark(name: str, settings: Settings, split: str | None = None,
                   sequences: Iterable[str] | None = None) -> list[Sequence]:
    """Sequences of benchmark ``name`` (a key of ``BENCHMARKS``), optionally only the named ``sequences``.

    Raises ``ValueError`` for an unknown benchmark, split or sequence name, ``FileNotFoundError``
    (:class:`DatasetLayoutError`) for a missing root, folder, frame or file and :class:`AnnotationError`
    for a malformed annotation; each message names the path (and line) and the expected layout.
    """
    if name not in BENCHMARKS:
        raise ValueError(f"unknown benchmark {name!r}; known: {', '.join(BENCHMARKS)}")
    benchmark = BENCHMARKS[name]
    split = split or benchmark.default_split
    if split not in benchmark.splits:
        raise ValueError(f"benchmark {name!r} has no split {split!r}; known: {', '.join(benchmark.splits)}")
    try:
        root: Path = settings.require(benchmark.settings_key)
    except FileNotFoundError as err:
        raise DatasetLayoutError(f"{name}: {err}\n  expected layout: {benchmark.layout}") from None
    return benchmark.splits[split](root, sequences=sequences)


__all__ = ["AnnotationError", "BENCHMARKS", "Benchmark", "DatasetLayoutError", "Sequence", "load_benchmark"]

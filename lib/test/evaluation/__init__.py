"""Benchmark loaders: ``load_benchmark(name, settings)`` returns the benchmark's :class:`Sequence` list.

Each benchmark reads its real on-disk layout from the root configured in the settings
(``python tracking/create_settings.py``); see ``BENCHMARKS`` for names, roots and splits.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, Iterable

from lib.datasets.annotations import AnnotationError
from lib.test.evaluation import avist, custom, got10k, lasot, nfs, otb, tnl2k, trackingnet, uav, vasttrack, vot
from lib.datasets.layout import DatasetLayoutError
from lib.test.evaluation.sequence import Sequence
from lib.test.evaluation.traits import Absence, BenchmarkTraits, InitStyle, TrackingTraits, VotTraits
from lib.utils.settings import Settings

Loader = Callable[..., list[Sequence]]  # called as loader(root, sequences=...)


@dataclass(frozen=True)
class Benchmark:
    """A benchmark: the settings entry holding its root, one loader per split (first = default), its layout,
    and its declared :class:`BenchmarkTraits` (stamped on every sequence it loads)."""

    settings_key: str
    splits: dict[str, Loader]
    description: str
    layout: str
    traits: BenchmarkTraits

    @property
    def default_split(self) -> str:
        """The split evaluated when none is asked for."""
        return next(iter(self.splits))


def _traits(hyper_key: str, init_style: InitStyle = InitStyle.BOX, **kwargs) -> BenchmarkTraits:
    return BenchmarkTraits(TrackingTraits(hyper_key, init_style), **kwargs)


_LASOT = dict(absence=Absence.VISIBILITY_FLAGS)
_GOT10K = dict(timed_folder="got10k")

BENCHMARKS: dict[str, Benchmark] = {
    "lasot": Benchmark("lasot_dir", {s: partial(lasot.load_lasot, split=s) for s in ("test", "train")},
                       "LaSOT test (280 sequences); split 'train' = the 1120 training sequences", lasot.LAYOUT,
                       _traits("LASOT", **_LASOT)),
    "lasot_ext": Benchmark("lasot_ext_dir", {"extension": partial(lasot.load_lasot, split="extension")},
                           "LaSOT extension (150 sequences; root defaults to the LaSOT root)", lasot.LAYOUT,
                           _traits("LASOT_EXT", **_LASOT)),
    "got10k_test": Benchmark("got10k_dir", {"test": partial(got10k.load_got10k, split="test")},
                             "GOT-10k test (180 sequences, first-frame ground truth only)", got10k.LAYOUT,
                             _traits("GOT10K_TEST", **_GOT10K)),
    "got10k_val": Benchmark("got10k_dir", {"val": partial(got10k.load_got10k, split="val")},
                            "GOT-10k validation (180 sequences)", got10k.LAYOUT, _traits("GOT10K_VAL", **_GOT10K)),
    "trackingnet": Benchmark("trackingnet_dir",
                             {s: partial(trackingnet.load_trackingnet, split=s) for s in trackingnet.SPLITS},
                             "TrackingNet TEST (511 sequences, first-frame ground truth only); splits TRAIN_0..11",
                             trackingnet.LAYOUT, _traits("TRACKINGNET", timed_folder="trackingnet")),
    "nfs": Benchmark("nfs_dir", {"test": nfs.load_nfs}, "NfS 30 fps (100 sequences, pytracking layout)", nfs.LAYOUT,
                     _traits("NFS")),
    "otb": Benchmark("otb_dir", {"test": otb.load_otb}, "OTB-100 (100 sequences)", otb.LAYOUT, _traits("OTB")),
    "uav": Benchmark("uav_dir", {"test": uav.load_uav}, "UAV123 (123 sequences)", uav.LAYOUT,
                     _traits("UAV", absence=Absence.NAN_GROUND_TRUTH)),
    "tnl2k": Benchmark("tnl2k_dir", {"test": tnl2k.load_tnl2k},
                       "TNL2K test (700 sequences; absent frames are 0,0,0,0 boxes)", tnl2k.LAYOUT,
                       _traits("TNL2K", **_LASOT)),
    "vasttrack": Benchmark("vasttrack_dir", {"test": vasttrack.load_vasttrack},
                           "VastTrack test (3500 sequences; absent frames are 0,0,0,0 boxes)", vasttrack.LAYOUT,
                           _traits("VASTTRACK", **_LASOT)),
    "avist": Benchmark("avist_dir", {"test": avist.load_avist},
                       "AVisT (120 sequences in adverse visibility; occlusion and out-of-view flags)", avist.LAYOUT,
                       _traits("AVIST", **_LASOT)),
    "vot16": Benchmark("vot16_dir", {"test": vot.load_vot}, "VOT2016 (60 sequences, polygon ground truth)",
                       vot.LAYOUT, _traits("VOT16", InitStyle.VOT_REGION, vot=VotTraits("vot2016", "supervised"))),
    "vot18": Benchmark("vot18_dir", {"test": vot.load_vot}, "VOT-ST2018 (60 sequences, polygon ground truth)",
                       vot.LAYOUT, _traits("VOT18", InitStyle.VOT_REGION, vot=VotTraits("vot2018", "supervised"))),
    "vot20": Benchmark("vot20_dir", {"test": vot.load_vot}, "VOT2020 short-term (60 sequences)", vot.LAYOUT,
                       _traits("VOT20", InitStyle.VOT_REGION, vot=VotTraits("vot2020", "multistart"))),
    "vot22": Benchmark("vot22_dir", {"test": vot.load_vot},
                       "VOT2022 short-term (shorttermbox: boxes, shortterm: masks)", vot.LAYOUT,
                       _traits("VOT22", InitStyle.VOT_REGION, vot=VotTraits("vot2022", "multistart"))),
    # zero-size boxes mark absent frames (written so by tracking/convert_dataset.py), so no flags are needed
    "custom": Benchmark("custom_dir", {"all": custom.load_custom}, "your own sequences (--root DIR, "
                        "docs/custom-data.md)", custom.LAYOUT, _traits("CUSTOM")),
}


def tracking_traits(name: str, hyper_rows: Iterable[str] | None = None) -> TrackingTraits:
    """What a tracker is told for ``name``: the declared traits of the benchmark ``name`` (a key of
    ``BENCHMARKS``), else the ``cfg.TEST.HYPER`` row ``name`` with a box initialisation.

    With ``hyper_rows`` (the config's ``TEST.HYPER`` row names) a name that is neither a benchmark nor a row is a
    ValueError listing both, instead of silently running the DEFAULT row (a misspelled name).
    """
    benchmark = BENCHMARKS.get(name)
    if benchmark is not None:
        return benchmark.traits.tracking
    if hyper_rows is not None and name.upper() not in {row.upper() for row in hyper_rows}:
        raise ValueError(f"{name!r} is neither a benchmark ({', '.join(BENCHMARKS)}) nor a TEST.HYPER row of the "
                         f"config ({', '.join(hyper_rows)})")
    return TrackingTraits(name.upper())


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
    loaded = benchmark.splits[split](root, sequences=sequences)
    for sequence in loaded:
        sequence.traits = benchmark.traits
    return loaded


__all__ = ["Absence", "AnnotationError", "BENCHMARKS", "Benchmark", "BenchmarkTraits", "DatasetLayoutError",
           "InitStyle", "Sequence", "TrackingTraits", "VotTraits", "load_benchmark", "tracking_traits"]

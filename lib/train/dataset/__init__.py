"""Training datasets: LaSOT, GOT-10k, TrackingNet, COCO 2017 (optionally with masks), YouTube-VOS, VastTrack and your
own sequences (docs/custom-data.md), from raw folders or lmdb databases.

``build_training_datasets(["LASOT", "GOT10K_vot_train", "COCO17", "TRACKINGNET"], settings)`` opens
each dataset named as in ``DATA.TRAIN.DATASETS_NAME``; a name ending in ``_lmdb`` reads the lmdb
database written by ``tracking/create_lmdb.py`` instead of the raw folder, and ``NAME:DIR`` reads the
root ``DIR`` instead of the settings entry. Missing or incomplete data is reported when the datasets are
built, before training starts.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from lib.train.dataset.base import SequenceAnnotation, TrackingDataset
from lib.train.dataset.coco import Coco
from lib.train.dataset.custom import Custom
from lib.train.dataset.got10k import Got10k
from lib.train.dataset.lasot import Lasot
from lib.train.dataset.lmdb_store import LmdbSource
from lib.datasets.storage import DirectorySource, FileSource, IncompleteDatasetError
from lib.train.dataset.trackingnet import TrackingNet
from lib.train.dataset.vasttrack import VastTrack
from lib.train.dataset.youtube_vos import YoutubeVos
from lib.utils.settings import Settings

__all__ = ["build_training_datasets", "got10k_only_overrides", "open_source", "TRAINING_DATASETS", "TrackingDataset",
           "SequenceAnnotation", "Custom", "Lasot", "Got10k", "TrackingNet", "Coco", "YoutubeVos", "VastTrack",
           "IncompleteDatasetError"]

LMDB_SUFFIX = "_lmdb"

#: dataset name -> (settings key of the raw root, constructor from a file source, the name and
#: the TrackingNet chunks)
TRAINING_DATASETS: dict[str, tuple[str, Callable[[FileSource, str, Sequence[int] | None], TrackingDataset]]] = {
    "LASOT": ("lasot_dir", lambda source, name, _: Lasot(source, name=name)),
    "GOT10K_train": ("got10k_dir", lambda source, name, _: Got10k(source, split="train_full", name=name)),
    "GOT10K_vot_train": ("got10k_dir", lambda source, name, _: Got10k(source, split="vot_train", name=name)),
    # every sequence of train/list.txt, for roots that are not the official train set (e.g. synthetic)
    "GOT10K_all": ("got10k_dir", lambda source, name, _: Got10k(source, split="all", name=name)),
    "COCO17": ("coco_dir", lambda source, name, _: Coco(source, version="2017", name=name)),
    # COCO 2017 with the object masks (SiamAttn's mask branch)
    "COCO17_masks": ("coco_dir", lambda source, name, _: Coco(source, version="2017", name=name, with_masks=True)),
    "YTBVOS": ("ytbvos_dir", lambda source, name, _: YoutubeVos(source, name=name)),
    "TRACKINGNET": ("trackingnet_dir", lambda source, name, chunks: TrackingNet(source, chunks=chunks, name=name)),
    "VASTTRACK": ("vasttrack_train_dir", lambda source, name, _: VastTrack(source, name=name)),
    # your own sequences (docs/custom-data.md)
    "CUSTOM": ("custom_dir", lambda source, name, _: Custom(source, name=name)),
}


def open_source(settings: Settings, settings_key: str, lmdb: bool, root: str = "") -> FileSource:
    """The raw folder (``lmdb`` False) or lmdb database of the dataset whose root is ``settings_key``, or
    ``root`` when given (a dataset entry naming its root)."""
    key = settings_key.replace("_dir", "_lmdb_dir") if lmdb else settings_key
    path, what = (Path(root), "dataset root") if root else (settings.require(key), f"{key} =")
    return LmdbSource(path, what=what) if lmdb else DirectorySource(path, what=what)


def build_training_datasets(names: Sequence[str], settings: Settings,
                            trackingnet_chunks: Sequence[int] | None = None) -> list[TrackingDataset]:
    """One dataset per name (``LASOT``, ``GOT10K_train``, ``GOT10K_vot_train``, ``COCO17``,
    ``TRACKINGNET``, ``VASTTRACK``, ``CUSTOM``, each optionally with ``_lmdb``), roots from ``settings``, or from the name
    itself as ``NAME:DIR`` (e.g. ``CUSTOM:data/mine``, so that several custom roots can be listed). TrackingNet
    uses ``TRAIN_<k>`` for each k in ``trackingnet_chunks`` (default: all twelve).

    Raises ``ValueError`` for an unknown name and ``FileNotFoundError`` (``IncompleteDatasetError``)
    when a root is unset, missing or incomplete.
    """
    datasets = []
    for name in names:
        dataset, _, root = name.partition(":")
        base = dataset[:-len(LMDB_SUFFIX)] if dataset.endswith(LMDB_SUFFIX) else dataset
        if base not in TRAINING_DATASETS:
            known = [n + s for n in TRAINING_DATASETS for s in ("", LMDB_SUFFIX)]
            raise ValueError(f"unknown training dataset {name!r}; known: {', '.join(known)}")
        settings_key, construct = TRAINING_DATASETS[base]
        source = open_source(settings, settings_key, lmdb=base != dataset, root=root)
        datasets.append(construct(source, name, trackingnet_chunks))
    return datasets


#: GOT-10k's frame range in the official SiamAttn / pysot training (``DATA.TRAIN.FRAME_RANGE``)
GOT10K_FRAME_RANGE = 30


def got10k_only_overrides(train_data: Mapping[str, Any]) -> dict[str, Any]:
    """Config overrides (``{"DATA": {"TRAIN": ...}}``) training on every sequence of one GOT-10k-layout root
    (``GOT10K_all``, e.g. a synthetic one), given the config's ``DATA.TRAIN`` section: the dataset list, its
    ratio and, where the config samples per-dataset frame ranges, GOT-10k's."""
    section: dict[str, Any] = {"DATASETS_NAME": ["GOT10K_all"], "DATASETS_RATIO": [1]}
    if "FRAME_RANGE" in train_data:
        section["FRAME_RANGE"] = [GOT10K_FRAME_RANGE]
    return {"DATA": {"TRAIN": section}}

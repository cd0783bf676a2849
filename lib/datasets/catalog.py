"""The dataset catalog: one row per dataset, from which the settings entries and the commands follow.

``lib.utils.settings.Settings`` gets one ``<name>_dir`` field per row and one ``<name>_lmdb_dir`` field
per row with an lmdb conversion; ``tracking/create_settings.py`` fills ``--data-root DIR/<subfolder>``
from the rows; ``tracking/create_lmdb.py`` offers every row with an lmdb conversion. Adding a dataset
is one module in ``lib/datasets/`` (its layout and readers) and one row here.

This module imports nothing heavy: the settings import it, and the lmdb conversion's dataset class is
named by a ``"module:Class"`` string, imported only when a conversion runs.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence


@dataclass(frozen=True)
class DatasetRow:
    """One dataset: where its root is configured and found, its splits and how to copy it into lmdb.

    ``name``: short lower-case name (``lasot``): the settings key is ``<name>_dir`` and, with an lmdb
    conversion, ``<name>_lmdb_dir``. ``subfolder``: its folder under ``create_settings --data-root``
    (empty: not filled from it). ``splits``: the named parts of the dataset. ``lmdb_dataset``:
    ``"module:Class"`` of the training dataset whose ``source_files()`` an lmdb copy holds (empty: no
    lmdb copy); it is built as ``Class(source, **lmdb_options)``, plus ``chunks=`` for a dataset with
    ``chunks`` > 0 numbered training chunks. ``falls_back_to``: the settings key used when this one is unset.
    """

    name: str
    subfolder: str
    description: str
    splits: tuple[str, ...]
    lmdb_dataset: str = ""
    lmdb_options: Mapping[str, Any] = field(default_factory=dict)
    chunks: int = 0
    falls_back_to: str = ""

    @property
    def settings_key(self) -> str:
        """The settings entry of the raw root, e.g. ``lasot_dir``."""
        return f"{self.name}_dir"

    @property
    def lmdb_key(self) -> str:
        """The settings entry of the lmdb copy, e.g. ``lasot_lmdb_dir``; empty without an lmdb conversion."""
        return f"{self.name}_lmdb_dir" if self.lmdb_dataset else ""

    def open_for_lmdb(self, source: Any, chunks: Sequence[int] | None = None) -> Any:
        """The raw training dataset (an ``AnnotatedSequences`` of ``lib/train/dataset``) whose files an
        lmdb copy holds, read from ``source`` (a ``lib.datasets.storage.FileSource``); ``chunks`` only for
        chunked datasets. Raises ``ValueError`` for a dataset without lmdb conversion."""
        if not self.lmdb_dataset:
            raise ValueError(f"{self.name} has no lmdb conversion")
        module, _, attribute = self.lmdb_dataset.partition(":")
        dataset_class = getattr(importlib.import_module(module), attribute)
        options = dict(self.lmdb_options, **({"chunks": chunks} if self.chunks else {}))
        return dataset_class(source, **options)


CATALOG: tuple[DatasetRow, ...] = (
    DatasetRow("lasot", "LaSOT", "LaSOT root", ("train", "test"), "lib.train.dataset.lasot:Lasot"),
    DatasetRow("lasot_ext", "", "LaSOT extension root", ("extension",), falls_back_to="lasot_dir"),
    DatasetRow("got10k", "GOT10k", "GOT-10k root", ("train", "val", "test"), "lib.train.dataset.got10k:Got10k",
               {"split": "all"}),
    DatasetRow("trackingnet", "TrackingNet", "TrackingNet root",
               tuple(f"TRAIN_{k}" for k in range(12)) + ("TEST",), "lib.train.dataset.trackingnet:TrackingNet",
               chunks=12),
    DatasetRow("coco", "COCO", "COCO root", ("train2017",), "lib.train.dataset.coco:Coco"),
    DatasetRow("ytbvos", "YouTube-VOS", "YouTube-VOS root (SiamAttn training)", ("train",),
               "lib.train.dataset.youtube_vos:YoutubeVos"),
    DatasetRow("nfs", "NFS30", "NfS root (pytracking layout)", ("test",)),
    DatasetRow("otb", "OTB100", "OTB-100 root", ("test",)),
    DatasetRow("uav", "UAV123", "UAV123 root", ("test",)),
    DatasetRow("tnl2k", "TNL2K", "TNL2K test root", ("test",)),
    DatasetRow("vasttrack", "VastTrack", "VastTrack test root", ("test",)),
    DatasetRow("vasttrack_train", "VastTrack_train", "VastTrack training root", ("train",),
               "lib.train.dataset.vasttrack:VastTrack"),
    DatasetRow("avist", "AVisT", "AVisT root", ("test",)),
    DatasetRow("vot16", "vot2016", "VOT2016 workspace", ("test",)),
    DatasetRow("vot18", "vot2018", "VOT-ST2018 workspace", ("test",)),
    DatasetRow("vot20", "vot2020", "VOT2020 workspace", ("test",)),
    DatasetRow("custom", "", "root of your own sequences (docs/custom-data.md)", ("all",),
               "lib.train.dataset.custom:Custom"),
    DatasetRow("vot22", "vot2022", "VOT2022 short-term workspace (shorttermbox or shortterm)", ("test",)),
)


def dataset_roots() -> list[tuple[str, str]]:
    """(settings key, description) of every dataset root: raw roots in catalog order, then lmdb copies."""
    raw = [(row.settings_key, row.description) for row in CATALOG]
    return raw + [(row.lmdb_key, f"lmdb copy of the {row.description}") for row in CATALOG if row.lmdb_key]


def data_root_subfolders() -> dict[str, str]:
    """Settings key -> its conventional sub-folder of ``create_settings --data-root`` (``<name>_lmdb`` for copies)."""
    raw = {row.settings_key: row.subfolder for row in CATALOG if row.subfolder}
    return raw | {row.lmdb_key: f"{row.name}_lmdb" for row in CATALOG if row.lmdb_key}


def fallbacks() -> dict[str, str]:
    """Settings key -> the key whose value it uses when unset (``lasot_ext_dir`` -> ``lasot_dir``)."""
    return {row.settings_key: row.falls_back_to for row in CATALOG if row.falls_back_to}


def lmdb_rows() -> dict[str, DatasetRow]:
    """The rows with an lmdb conversion, by name (``tracking/create_lmdb.py``'s choices)."""
    return {row.name: row for row in CATALOG if row.lmdb_dataset}

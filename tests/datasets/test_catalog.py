"""The catalog rows generate the settings fields, create_settings' --data-root folders and create_lmdb's choices."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lib.datasets.catalog import CATALOG, lmdb_rows
from lib.train.dataset.sequences import AnnotatedSequences
from lib.train.dataset.youtube_vos import YoutubeVos
from lib.utils.settings import Settings, setting_names
from tracking.create_lmdb import parse_args as create_lmdb_args
from tracking.create_settings import main as create_settings


def test_settings_fields_are_outputs_then_raw_roots_then_lmdb_copies() -> None:
    outputs = ["workspace_dir", "results_dir", "result_plots_dir"]
    raw = [f"{row.name}_dir" for row in CATALOG]
    lmdb = [f"{row.name}_lmdb_dir" for row in CATALOG if row.lmdb_dataset]
    assert setting_names() == outputs + raw + lmdb
    assert Settings().lasot_dir == "" and Settings().workspace_dir == "output"


def test_data_root_fills_each_row_with_its_subfolder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in setting_names():
        monkeypatch.delenv(f"AIATRACK_{name.upper()}", raising=False)
    path = tmp_path / "settings.yaml"
    assert create_settings(["--output", str(path), "--data-root", str(tmp_path / "data")]) == 0
    written = yaml.safe_load(path.read_text())
    for row in CATALOG:
        expected = str(tmp_path.resolve() / "data" / row.subfolder) if row.subfolder else ""
        assert written[f"{row.name}_dir"] == expected
        if row.lmdb_dataset:
            assert written[f"{row.name}_lmdb_dir"] == str(tmp_path.resolve() / "data" / f"{row.name}_lmdb")
    # lasot_ext has no folder of its own: it falls back to the LaSOT root
    (tmp_path / "data" / "LaSOT").mkdir(parents=True)
    assert Settings(**written).require("lasot_ext_dir") == tmp_path.resolve() / "data" / "LaSOT"


def test_every_lmdb_row_is_a_create_lmdb_choice_opening_a_training_dataset() -> None:
    for name, row in lmdb_rows().items():
        assert create_lmdb_args([name]).dataset == name
        module, _, attribute = row.lmdb_dataset.partition(":")
        dataset_class = getattr(__import__(module, fromlist=[attribute]), attribute)
        assert issubclass(dataset_class, (AnnotatedSequences, YoutubeVos))
    with pytest.raises(SystemExit):
        create_lmdb_args(["lasot", "--chunks", "1"])  # only chunked datasets take --chunks
    assert create_lmdb_args(["trackingnet", "--chunks", "1", "2"]).chunks == [1, 2]

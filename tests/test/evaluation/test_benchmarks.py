"""The benchmark registry, settings-driven roots, and the official sequence lists shipped as data."""
from __future__ import annotations

from pathlib import Path

import pytest

from lib.lists import list_path, read_name_list
from lib.test.evaluation import BENCHMARKS, DatasetLayoutError, load_benchmark
from lib.datasets.layout import read_info_table, select_names
from lib.utils.settings import Settings, load_settings, setting_names


def test_registry_names_and_roots() -> None:
    assert list(BENCHMARKS) == ["lasot", "lasot_ext", "got10k_test", "got10k_val", "trackingnet", "nfs", "otb",
                                "uav", "tnl2k", "vasttrack", "avist", "vot16", "vot18", "vot20", "vot22", "custom"]
    assert all(b.settings_key in setting_names() for b in BENCHMARKS.values())
    assert BENCHMARKS["trackingnet"].default_split == "TEST"
    assert BENCHMARKS["lasot"].default_split == "test"


def test_unknown_benchmark_and_split() -> None:
    with pytest.raises(ValueError, match="unknown benchmark 'otb100'"):
        load_benchmark("otb100", Settings())
    with pytest.raises(ValueError, match="no split 'val'.*test, train"):
        load_benchmark("lasot", Settings(), split="val")


@pytest.mark.parametrize("name", list(BENCHMARKS))
def test_unset_root_says_how_to_set_it(name: str) -> None:
    with pytest.raises(DatasetLayoutError) as err:
        load_benchmark(name, Settings())
    message = str(err.value)
    assert f"'{BENCHMARKS[name].settings_key}' is not set" in message and "create_settings.py" in message
    assert "expected layout: <root>/" in message


def test_missing_root_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(DatasetLayoutError) as err:
        load_benchmark("otb", Settings(otb_dir=str(tmp_path / "OTB100")))
    assert str(tmp_path / "OTB100") in str(err.value) and "groundtruth_rect.txt" in str(err.value)


def test_environment_overrides_the_settings_file(tmp_path: Path, monkeypatch, write_frames) -> None:
    root = tmp_path / "vot"
    write_frames(root / "seq" / "color", ["00000001.jpg"])
    (root / "seq" / "groundtruth.txt").write_text("1,2,3,4\n")
    (root / "seq" / "sequence").write_text("channels.color=color/%08d.jpg\n")
    (root / "list.txt").write_text("seq\n")
    monkeypatch.setenv("AIATRACK_VOT20_DIR", str(root))
    (tmp_path / "empty_settings.yaml").write_text("")
    (seq,) = load_benchmark("vot20", load_settings(tmp_path / "empty_settings.yaml"))
    assert seq.frames == [str(root / "seq" / "color" / "00000001.jpg")]


def test_official_lists() -> None:
    """The shipped lists hold what BENCHMARKS.md section 1 says (sizes, frame totals, first entries)."""
    lasot_test = read_name_list(list_path("lasot_test_280.txt"))
    assert len(lasot_test) == len(set(lasot_test)) == 280 and lasot_test[:2] == ["airplane-1", "airplane-9"]
    assert len({name.rsplit("-", 1)[0] for name in lasot_test}) == 70
    extension = read_name_list(list_path("lasot_extension_150.txt"))
    assert len(extension) == 150 and len({name.rsplit("-", 1)[0] for name in extension}) == 15
    frames = lambda rows: sum(int(r["endFrame"]) - int(r["startFrame"]) + 1 - int(r["initOmit"]) for r in rows)
    otb, uav, nfs = (read_info_table(f"{b}_sequence_info.tsv") for b in ("otb", "uav", "nfs"))
    assert (len(otb), frames(otb)) == (100, 59035)
    assert (len(uav), frames(uav)) == (123, 112578)
    assert len(nfs) == 100 and all(r["name"].startswith("nfs_") for r in nfs)
    david = next(r for r in otb if r["name"] == "otb_David")
    assert (david["startFrame"], david["endFrame"], david["path"]) == ("300", "770", "David/img")


def test_select_names() -> None:
    available = ["a-1", "b-2", "c-3"]
    assert select_names(available, None, "X") == available
    assert select_names(available, ["c-3", "a-1", "c-3"], "X") == ["c-3", "a-1"]
    assert select_names(available, "b-2", "X") == ["b-2"]  # a single name, not its characters
    with pytest.raises(ValueError, match=r"X: unknown sequence name\(s\) \['d-4'\]; names look like: a-1, b-2"):
        select_names(available, ["a-1", "d-4"], "X")


def test_packaged_lists_match_the_specification(reference_dir: Path) -> None:
    """``lib/lists`` is a verbatim copy of the specification's lists (skipped without ../shared)."""
    spec_lists = reference_dir.parent / "spec" / "lists"
    names = sorted(path.name for path in spec_lists.iterdir())
    assert names, f"no lists in {spec_lists}"
    for name in names:
        assert list_path(name).read_bytes() == (spec_lists / name).read_bytes(), name

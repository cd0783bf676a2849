"""Settings: file < environment < flags, clear errors, and the create_settings command."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lib.utils.settings import Settings, load_settings, read_settings_file, save_settings, setting_names
from tracking.create_settings import main as create_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No AIATRACK_* variables from the caller's shell leak into these tests."""
    for name in setting_names():
        monkeypatch.delenv(f"AIATRACK_{name.upper()}", raising=False)
    monkeypatch.delenv("AIATRACK_SETTINGS", raising=False)


def test_file_then_environment_then_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "settings.yaml"
    path.write_text("lasot_dir: /file/LaSOT\notb_dir: /file/OTB100\nuav_dir: /file/UAV123\n")
    monkeypatch.setenv("AIATRACK_OTB_DIR", "/env/OTB100")
    monkeypatch.setenv("AIATRACK_UAV_DIR", "/env/UAV123")
    settings = load_settings(path, {"uav_dir": "/flag/UAV123", "lasot_dir": None})
    assert (settings.lasot_dir, settings.otb_dir, settings.uav_dir) == ("/file/LaSOT", "/env/OTB100", "/flag/UAV123")
    assert settings.got10k_dir == "" and settings.results_dir == Settings().results_dir


def test_default_file_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "settings.yaml").write_text("nfs_dir: /cwd/NFS30\n")
    assert load_settings().nfs_dir == "/cwd/NFS30"
    other = tmp_path / "elsewhere.yaml"
    other.write_text("nfs_dir: /env/NFS30\n")
    monkeypatch.setenv("AIATRACK_SETTINGS", str(other))
    assert load_settings().nfs_dir == "/env/NFS30"


def test_bad_files_are_named(tmp_path: Path) -> None:
    path = tmp_path / "settings.yaml"
    path.write_text("lasot_path: /data/LaSOT\n")
    with pytest.raises(ValueError, match=r"settings.yaml: unknown settings \['lasot_path'\]"):
        load_settings(path)
    path.write_text("lasot_dir: [unclosed\n")
    with pytest.raises(ValueError, match="settings.yaml: not a valid YAML settings file"):
        load_settings(path)
    path.write_text("")
    with pytest.raises(ValueError, match="unknown settings override 'otb'"):
        load_settings(path, {"otb": "/x"})


def test_a_named_settings_file_must_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AIATRACK_SETTINGS", raising=False)
    assert load_settings() == Settings()  # only the implicit ./settings.yaml may be absent
    with pytest.raises(FileNotFoundError, match=f"settings file given: {tmp_path / 'none.yaml'} does not exist"):
        load_settings(tmp_path / "none.yaml")
    monkeypatch.setenv("AIATRACK_SETTINGS", str(tmp_path / "elsewhere.yaml"))
    with pytest.raises(FileNotFoundError, match=r"named by \$AIATRACK_SETTINGS: .*elsewhere.yaml does not exist"):
        load_settings()
    with pytest.raises(FileNotFoundError, match="is a folder, not a file"):
        load_settings(tmp_path)


def test_require(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="'got10k_dir' is not set.*--got10k-dir PATH.*--setting got10k_dir=PATH.*AIATRACK_GOT10K_DIR"):
        Settings().require("got10k_dir")
    with pytest.raises(FileNotFoundError) as err:
        Settings(got10k_dir=str(tmp_path / "GOT10k")).require("got10k_dir")
    assert str(tmp_path / "GOT10k") in str(err.value)
    assert Settings(lasot_dir=str(tmp_path)).require("lasot_ext_dir") == tmp_path  # falls back to LaSOT
    with pytest.raises(FileNotFoundError, match="'lasot_ext_dir' is not set \\(nor 'lasot_dir'"):
        Settings().require("lasot_ext_dir")


def test_save_and_read_round_trip(tmp_path: Path) -> None:
    settings = Settings(lasot_dir="/a/LaSOT", workspace_dir="/w")
    save_settings(settings, tmp_path / "s.yaml")
    loaded = load_settings(tmp_path / "s.yaml")
    assert (loaded.lasot_dir, loaded.workspace_dir) == ("/a/LaSOT", "/w")
    assert loaded.results_dir == str(tmp_path / settings.results_dir)  # the relative default, under the file's folder
    assert read_settings_file(tmp_path / "s.yaml")["lasot_dir"] == "/a/LaSOT"


def test_create_settings_with_data_root(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    data = tmp_path / "data"
    (data / "LaSOT").mkdir(parents=True)
    (data / "OTB100").mkdir()
    out = tmp_path / "settings.yaml"
    assert create_settings(["--output", str(out), "--data-root", str(data), "--otb-dir", "/ssd/OTB",
                            "--results-dir", "/scratch/results"]) == 0
    written = yaml.safe_load(out.read_text())
    assert written["lasot_dir"] == str(data / "LaSOT")
    assert written["got10k_dir"] == str(data / "GOT10k")
    assert written["trackingnet_dir"] == str(data / "TrackingNet")
    assert written["coco_dir"] == str(data / "COCO")
    assert written["nfs_dir"] == str(data / "NFS30")
    assert written["uav_dir"] == str(data / "UAV123")
    assert written["vot20_dir"] == str(data / "vot2020")
    assert written["otb_dir"] == "/ssd/OTB"  # an explicit flag wins over --data-root
    assert written["results_dir"] == "/scratch/results"
    assert written["lasot_ext_dir"] == ""  # LaSOT extension read from the LaSOT root
    printed = capsys.readouterr().out
    assert f"wrote {out}" in printed
    assert any(line.split()[:1] == ["lasot_dir"] and line.endswith("exists") for line in printed.splitlines())
    assert any(line.split()[:1] == ["got10k_dir"] and line.endswith("MISSING") for line in printed.splitlines())


def test_create_settings_updates_and_ignores_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "settings.yaml"
    out.write_text("lasot_dir: /old/LaSOT\nuav_dir: /old/UAV123\n")
    monkeypatch.setenv("AIATRACK_NFS_DIR", "/env/NFS30")
    assert create_settings(["--output", str(out), "--uav-dir", "/new/UAV123"]) == 0
    written = yaml.safe_load(out.read_text())
    assert (written["lasot_dir"], written["uav_dir"], written["nfs_dir"]) == ("/old/LaSOT", "/new/UAV123", "")
    assert create_settings(["--output", str(out), "--fresh", "--coco-dir", "/c"]) == 0
    written = yaml.safe_load(out.read_text())
    assert (written["lasot_dir"], written["coco_dir"]) == ("", "/c")


def test_create_settings_reports_a_broken_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "settings.yaml"
    out.write_text("lasot_path: /x\n")
    assert create_settings(["--output", str(out)]) == 2
    assert "unknown settings ['lasot_path']" in capsys.readouterr().err
    assert out.read_text() == "lasot_path: /x\n"  # left untouched


def test_relative_paths_in_a_file_are_relative_to_its_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "project"
    (project / "data" / "LaSOT").mkdir(parents=True)
    (project / "settings.yaml").write_text("lasot_dir: data/LaSOT\nresults_dir: out/results\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("AIATRACK_OTB_DIR", "otb")  # the environment is read as a command line: cwd-relative
    settings = load_settings(project / "settings.yaml", {"uav_dir": "uav"})
    assert settings.require("lasot_dir") == project / "data" / "LaSOT"
    assert settings.results_dir == str(project / "out" / "results")
    assert (settings.otb_dir, settings.uav_dir) == ("otb", "uav")


def test_create_settings_stores_paths_given_relative_to_the_current_folder(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "LaSOT").mkdir()
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "conf" / "settings.yaml"
    out.parent.mkdir()
    assert create_settings(["--output", str(out), "--lasot-dir", "LaSOT"]) == 0
    assert load_settings(out).require("lasot_dir") == tmp_path / "LaSOT"

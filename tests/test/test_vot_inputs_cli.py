"""tracking/test.py on VOT sets in every frame layout the toolkit loads, and on bad start regions.

The synthetic sets are written with ``lib.utils.synthetic.write_vot`` and then changed by hand into the
layout or the fault under test; ``tracking/test.py`` runs as a subprocess, as a user runs it.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lib.utils.settings import Settings, save_settings
from lib.utils.synthetic import render_video, write_vot

REPO_ROOT = Path(__file__).resolve().parents[2]
CHECKPOINT = REPO_ROOT / "checkpoints" / "aiatrack_tiny_synthetic.pth.tar"
FRAMES = 8


def _vot_set(root: Path, names: list[str], **write_options) -> Path:
    """``root/sequences/<name>/`` for each name (the same 8-frame 64x80 video), a settings file for vot18/vot20."""
    video = render_video(5, 0, num_frames=FRAMES, height=64, width=80, min_size=12, max_size=30, name=names[0])
    write_vot(root / "data", [video], "rectangle", **write_options)
    sequences = root / "data" / "sequences"
    for name in names[1:]:
        shutil.copytree(sequences / names[0], sequences / name)
        (sequences / name / "sequence").write_text(f"channels.color=color/%08d.jpg\nname={name}\n")
    (sequences / "list.txt").write_text("".join(f"{name}\n" for name in names))
    settings = Settings(vot18_dir=str(root / "data"), vot20_dir=str(root / "data"),
                        results_dir=str(root / "results"), workspace_dir=str(root / "work"))
    save_settings(settings, root / "settings.yaml")
    return root / "settings.yaml"


def _test_py(settings: Path, dataset: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, str(REPO_ROOT / "tracking" / "test.py"), "aiatrack", "tiny", "--dataset",
                           dataset, "--checkpoint", str(CHECKPOINT), "--settings", str(settings), "--no-progress",
                           "--torch-threads", "1"], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def _set_region(settings: Path, name: str, frame: int, text: str) -> Path:
    """Replace the ground truth of 0-based ``frame`` of sequence ``name``; returns the groundtruth.txt path."""
    gt = settings.parent / "data" / "sequences" / name / "groundtruth.txt"
    lines = gt.read_text().splitlines()
    lines[frame] = text
    gt.write_text("\n".join(lines) + "\n")
    return gt


def _error_line(run: subprocess.CompletedProcess) -> str:
    """The single line a bad input gets (exit 2, nothing else on stderr)."""
    assert run.returncode == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    return lines[0]


def test_every_toolkit_frame_layout_is_tracked_alike(tmp_path):
    """The same video in the four layouts gives trajectories byte-equal to the standard layout's."""
    layouts = ["folder_slash", "folder", "no_channels_line", "legacy"]
    settings = _vot_set(tmp_path, ["standard", *layouts])
    sequences = tmp_path / "data" / "sequences"
    (sequences / "folder_slash" / "sequence").write_text("channels.color=color/\nfps=30\n")
    (sequences / "folder" / "sequence").write_text("channels.color=color\n")
    (sequences / "no_channels_line" / "sequence").write_text("fps=30\nformat=default\nname=no_channels_line\n")
    legacy = sequences / "legacy"
    (legacy / "sequence").unlink()
    for frame in sorted((legacy / "color").iterdir()):
        frame.rename(legacy / frame.name)
    (legacy / "color").rmdir()
    run = _test_py(settings, "vot18")
    assert run.returncode == 0, run.stderr
    results = tmp_path / "results" / "aiatrack" / "tiny" / "vot18"
    standard = (results / "standard" / "standard_001.txt").read_text()
    assert standard.splitlines()[0] == "1" and len(standard.splitlines()) == FRAMES
    for name in layouts:
        assert (results / name / f"{name}_001.txt").read_text() == standard, name


def test_color_folder_without_sequence_file_is_one_line(tmp_path):
    settings = _vot_set(tmp_path, ["seq"])
    seq_dir = tmp_path / "data" / "sequences" / "seq"
    (seq_dir / "sequence").unlink()
    line = _error_line(_test_py(settings, "vot18"))
    assert str(seq_dir / "sequence") in line and str(seq_dir / "color") in line


def test_anchor_without_area_is_refused_before_tracking(tmp_path):
    settings = _vot_set(tmp_path, ["seq"], anchor_spacing=4)  # anchors: 0 forward, 4 and 7 backward
    gt = _set_region(settings, "seq", 4, "10,10,0,0")
    line = _error_line(_test_py(settings, "vot20"))
    assert f"{gt}: line 5 " in line and "backward anchor" in line
    assert not (tmp_path / "results").exists() or not list((tmp_path / "results").rglob("*.txt"))


def test_first_frame_region_outside_the_image_names_groundtruth_line_1(tmp_path):
    settings = _vot_set(tmp_path, ["seq"])
    gt = _set_region(settings, "seq", 0, "100.00,70.00,10.00,10.00")  # the image is 80x64
    line = _error_line(_test_py(settings, "vot18"))
    assert f"{gt}, line 1: " in line and "outside the 80x64 image" in line


@pytest.mark.parametrize("region", ["nan,nan,nan,nan", "0.00,0.00,0.00,0.00"])
def test_reinitialisation_on_a_region_without_area_fails_that_sequence_only(tmp_path, region):
    """Frame 1's region lies outside the image, so every tracker fails there; frame 6 (5 later) has no region."""
    settings = _vot_set(tmp_path, ["bad", "good"])
    _set_region(settings, "bad", 1, "-40.00,-40.00,10.00,10.00")
    gt = _set_region(settings, "bad", 6, region)
    run = _test_py(settings, "vot18")
    assert run.returncode == 1, run.stderr
    failed = [line for line in run.stderr.splitlines() if line.startswith("  FAILED")]
    assert len(failed) == 1 and failed[0].startswith(f"  FAILED bad: AnnotationError: {gt}: line 7 "), run.stderr
    assert "failure at frame 1" in failed[0]
    results = tmp_path / "results" / "aiatrack" / "tiny" / "vot18"
    assert len((results / "good" / "good_001.txt").read_text().splitlines()) == FRAMES
    assert not (results / "bad" / "bad_001.txt").exists()

"""Our VOT loader finds the same frames as vot-toolkit 0.7.4 in every layout, and refuses what it cannot load.

Uses the toolkit's virtual environment of ``test_vot_toolkit.py`` (installed once, then offline).
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest

from lib.test.evaluation import AnnotationError, DatasetLayoutError
from lib.test.evaluation.vot import load_vot

from tests.test.test_vot_toolkit import toolkit_python  # noqa: F401 (fixture)

pytestmark = pytest.mark.slow

# name -> (sequence file text or None, folder of the frames relative to the sequence folder)
LOADED = {
    "folder_slash": ("channels.color=color/\nfps=30\n", "color"),
    "folder": ("channels.color=color\n", "color"),
    "no_channels_line": ("fps=30\nformat=default\n", "color"),
    "pattern": ("channels.color=color/%08d.jpg\n", "color"),
    "other_folder": ("channels.color=rgb/%04d.png\n", "rgb"),
    "legacy": (None, ""),
}
REFUSED = {
    "color_without_sequence_file": (None, "color", DatasetLayoutError),
    "pattern_without_extension": ("channels.color=color/%08d\n", "color", AnnotationError),
}
FRAMES = 3


def _write(seq_dir: Path, sequence_text: str | None, folder: str) -> None:
    names = {"other_folder": "%04d.png"}.get(seq_dir.name, "%08d.jpg")
    (seq_dir / folder).mkdir(parents=True, exist_ok=True)
    for number in range(1, FRAMES + 1):
        cv2.imwrite(str(seq_dir / folder / (names % number)), np.full((6, 8, 3), 40 * number, dtype=np.uint8))
    (seq_dir / "groundtruth.txt").write_text("1,1,3,3\n" * FRAMES)
    if sequence_text is not None:
        (seq_dir / "sequence").write_text(sequence_text)


def _toolkit_frames(python: Path, seq_dirs: list[Path], out: Path) -> dict[str, list[str] | str]:
    """Per sequence folder: the toolkit's colour frame paths, or the name of the exception it raised."""
    script = ("import json, sys\nfrom vot.dataset import load_sequence\nfound = {}\n"
              "for path in sys.argv[2:]:\n"
              "    try:\n"
              "        s = load_sequence(path)\n"
              "        found[path] = [s.frame(i).filename('color') for i in range(len(s))]\n"
              "    except Exception as err:\n"
              "        found[path] = type(err).__name__\n"
              "json.dump(found, open(sys.argv[1], 'w'))\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    subprocess.run([str(python), "-c", script, str(out), *map(str, seq_dirs)], check=True, env=env,
                   capture_output=True, timeout=600)
    return json.loads(out.read_text())


def test_frames_equal_the_toolkit(toolkit_python, tmp_path):  # noqa: F811
    root = tmp_path / "vot"
    for name, (text, folder) in LOADED.items():
        _write(root / name, text, folder)
    for name, (text, folder, _) in REFUSED.items():
        _write(root / name, text, folder)
    toolkit = _toolkit_frames(toolkit_python, [root / name for name in (*LOADED, *REFUSED)], tmp_path / "out.json")
    (root / "list.txt").write_text("".join(f"{name}\n" for name in (*LOADED, *REFUSED)))
    for sequence in load_vot(root, sequences=list(LOADED)):
        assert sequence.frames == toolkit[str(root / sequence.name)], sequence.name
    for name, (_, _, error) in REFUSED.items():
        assert isinstance(toolkit[str(root / name)], str), f"the toolkit loads {name}"
        with pytest.raises(error, match=str(root / name)):
            load_vot(root, sequences=[name])

"""A seeded mini VastTrack test set and two trackers' result folders, in the exact on-disk formats.

Shared by tests/test/analysis/test_matlab_toolkits.py and the script that regenerates its Octave oracle
(tests/test/analysis/fixtures/make_vasttrack_oracle.py), so both score the very same files. The sequences
exercise the toolkit's rules: absent frames (``0,0,0,0``), a box with zero height that is not absent, a
box touching the image border (x = 0), predictions with non-positive sizes (carried forward), a sequence
whose first frames are absent (an all-zero success curve for a lost tracker, dropped from the average),
class names with spaces and hyphens, and both spellings of the ground-truth file.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from tests.test.analysis.tnl2k_mini import TRACKERS, ground_truth, predictions

# name -> (class folder, frames, ground-truth file name)
SEQUENCES = {
    "Air Hockey-10": ("Air Hockey", 40, "Groundtruth.txt"),
    "Black-Tailed Gull-32": ("Black-Tailed Gull", 25, "groundtruth.txt"),
    "Dice-6": ("Dice", 30, "Groundtruth.txt"),
    "Off-Road Vehicle-20": ("Off-Road Vehicle", 20, "Groundtruth.txt"),
}


def write_mini_vasttrack(root: Path, results: Path) -> list[str]:
    """The mini test set under ``root`` (``<Class>/<seq>/imgs/%05d.jpg``, ``Groundtruth.txt`` or
    ``groundtruth.txt``, ``nlp.txt``) and the result files ``results/<tracker>/<seq>.txt`` (``x,y,w,h`` per
    frame, comma) of ``TRACKERS``.

    Returns the sequence names, sorted. The same files come out on every call (seeded).
    """
    rng = np.random.RandomState(2024)
    ok, encoded = cv2.imencode(".jpg", np.full((12, 16, 3), 90, dtype=np.uint8))
    assert ok
    for name, (class_name, n, gt_name) in SEQUENCES.items():
        seq_dir = root / class_name / name
        (seq_dir / "imgs").mkdir(parents=True)
        for number in range(1, n + 1):
            (seq_dir / "imgs" / f"{number:05d}.jpg").write_bytes(encoded.tobytes())
        gt = ground_truth(rng, n, name == "Air Hockey-10", name == "Off-Road Vehicle-20")
        (seq_dir / gt_name).write_text("".join(f"{x:g},{y:g},{w:g},{h:g}\n" for x, y, w, h in gt))
        (seq_dir / "nlp.txt").write_text(f"the target of {name}\n")
        for tracker in TRACKERS:
            folder = results / tracker
            folder.mkdir(parents=True, exist_ok=True)
            pred = predictions(rng, tracker, gt)
            (folder / f"{name}.txt").write_text("".join(f"{x:.2f},{y:.2f},{w:.2f},{h:.2f}\n" for x, y, w, h in pred))
    return sorted(SEQUENCES)


def ground_truth_file(root: Path, name: str) -> Path:
    """The ground-truth file of mini sequence ``name`` under ``root``."""
    class_name, _, gt_name = SEQUENCES[name]
    return root / class_name / name / gt_name

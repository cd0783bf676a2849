"""A seeded mini TNL2K test set and two trackers' result folders, in the exact on-disk formats.

Shared by tests/test/analysis/test_matlab_toolkits.py and the script that regenerates its Octave oracle
(tests/test/analysis/fixtures/make_tnl2k_oracle.py), so both score the very same files. The sequences
exercise every rule of the toolkit: absent frames (``0,0,0,0``), a box with zero height that is not
absent, a box touching the image border (x = 0), predictions with non-positive sizes (carried forward),
a sequence whose first frames are absent (an all-zero success curve for a lost tracker, dropped from the
average), PNG and JPEG frames with different digit widths.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

TRACKERS = ("good", "lost")
# name -> (frames, frame extension, digits)
SEQUENCES = {
    "Assian_video_Z03_done": (40, ".png", 8),
    "BF5_Blade_video_01-Done": (25, ".jpg", 5),
    "CM_walkingman20_done": (30, ".png", 8),
    "advSamp_monitor_bikeyellow": (20, ".jpg", 4),
}


def random_track(rng: np.random.RandomState, n: int) -> np.ndarray:
    """(n, 4) whole-pixel x, y, w, h boxes of a target drifting around (150..350, 150..350)."""
    centre = rng.uniform(150, 350, size=2) + np.cumsum(rng.normal(0, 4, size=(n, 2)), axis=0)
    size = np.clip(rng.uniform(30, 90, size=2) + np.cumsum(rng.normal(0, 1.5, size=(n, 2)), axis=0), 8, None)
    return np.round(np.concatenate([centre - size / 2, size], axis=1))


def ground_truth(rng: np.random.RandomState, n: int, edge_cases: bool, absent_at_start: bool) -> np.ndarray:
    """A random track (:func:`random_track`) with the toolkit's edge cases written in where asked:
    ``edge_cases`` (an absent run, a zero-height box that is not absent, a box touching the left border) and
    ``absent_at_start`` (the first three frames absent)."""
    gt = random_track(rng, n)
    if edge_cases:
        gt[10:15] = 0  # target absent
        gt[20, 3] = 0  # zero height but not absent: the toolkit scores it as IoU -1, centre error -1
        gt[25, 0] = 0  # touching the left border: not a valid box for the toolkit
    if absent_at_start:
        gt[:3] = 0  # absent at the start: the initialisation frame leaves the evaluation
    return gt


def predictions(rng: np.random.RandomState, tracker: str, gt: np.ndarray) -> np.ndarray:
    """(N, 4) results of ``tracker`` (``good``: noisy, with a non-positive width and height; ``lost``: far off,
    then stuck) for the (N, 4) ground truth ``gt``; random boxes where ``gt`` is ``0,0,0,0``."""
    n = len(gt)
    if tracker == "good":
        pred = gt + rng.normal(0, 6, size=(n, 4))
        pred[7, 2] = -3.0  # non-positive width: the toolkit takes the previous row
        pred[8, 3] = 0.0
    else:
        pred = gt + np.concatenate([rng.uniform(60, 200, size=(n, 2)), rng.normal(0, 10, size=(n, 2))], axis=1)
        pred[n // 2:] = [400.0, 20.0, 30.0, 30.0]
    absent = (gt == 0).all(axis=1)
    pred[absent] = rng.uniform(10, 300, size=(int(absent.sum()), 4))
    return np.round(pred, 2)


def write_mini_tnl2k(root: Path, results: Path) -> list[str]:
    """The mini test set under ``root`` (``<seq>/imgs``, ``groundtruth.txt``, ``language.txt``) and the
    result files ``results/<tracker>/<seq>.txt`` (``x,y,w,h`` per frame, comma) of ``TRACKERS``.

    Returns the sequence names, sorted. The same files come out on every call (seeded).
    """
    rng = np.random.RandomState(21)
    image = np.full((12, 16, 3), 90, dtype=np.uint8)
    for name, (n, ext, digits) in SEQUENCES.items():
        seq_dir = root / name
        (seq_dir / "imgs").mkdir(parents=True)
        ok, encoded = cv2.imencode(ext, image)
        assert ok
        for number in range(1, n + 1):
            (seq_dir / "imgs" / f"{number:0{digits}d}{ext}").write_bytes(encoded.tobytes())
        gt = ground_truth(rng, n, name == "Assian_video_Z03_done", name == "advSamp_monitor_bikeyellow")
        (seq_dir / "groundtruth.txt").write_text("".join(f"{x:g},{y:g},{w:g},{h:g}\n" for x, y, w, h in gt))
        (seq_dir / "language.txt").write_text(f"the target of {name}\n")
        for tracker in TRACKERS:
            folder = results / tracker
            folder.mkdir(parents=True, exist_ok=True)
            pred = predictions(rng, tracker, gt)
            (folder / f"{name}.txt").write_text("".join(f"{x:.2f},{y:.2f},{w:.2f},{h:.2f}\n" for x, y, w, h in pred))
    return sorted(SEQUENCES)

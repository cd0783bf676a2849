"""A seeded mini AVisT set and two trackers' result folders, in the exact on-disk formats.

Shared by tests/test/analysis/test_avist_protocol.py and the script that regenerates its oracle from
pytracking's own code (tests/test/analysis/fixtures/make_avist_oracle.py), so both score the very same files.
The sequences hold occluded and out-of-view frames (misses under ``exclude_invalid_frames=False``), a box with
zero height that is not flagged, predictions with non-positive sizes (carried forward), a result file one row
short (padded with zero boxes) and space-separated ground truth.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from tests.test.analysis.tnl2k_mini import TRACKERS, predictions, random_track

# name -> (frames, ground-truth separator)
SEQUENCES = {"airplane_in_rain": (30, ","), "fish_in_sea_2": (24, " "), "zebra_in_water": (20, ",")}


def _flags(rng: np.random.RandomState, n: int) -> tuple[np.ndarray, np.ndarray]:
    occluded, out_of_view = np.zeros(n, dtype=int), np.zeros(n, dtype=int)
    start = rng.randint(3, n - 8)
    occluded[start:start + 4] = 1
    out_of_view[start + 3:start + 6] = 1  # overlapping the occlusion by one frame
    return occluded, out_of_view


def write_mini_avist(root: Path, results: Path) -> list[str]:
    """The mini set under ``root`` (``sequences/<seq>/img_%05d.jpg``, ``anno/<seq>.txt``, both flag files) and
    the result files ``results/<tracker>/<seq>.txt`` (``x,y,w,h`` per frame, comma) of ``TRACKERS``.

    Returns the sequence names, sorted. The same files come out on every call (seeded).
    """
    rng = np.random.RandomState(7)
    ok, encoded = cv2.imencode(".jpg", np.full((12, 16, 3), 90, dtype=np.uint8))
    assert ok
    for folder in ("anno", "full_occlusion", "out_of_view"):
        (root / folder).mkdir(parents=True)
    for name, (n, separator) in SEQUENCES.items():
        (root / "sequences" / name).mkdir(parents=True)
        for number in range(1, n + 1):
            (root / "sequences" / name / f"img_{number:05d}.jpg").write_bytes(encoded.tobytes())
        gt = random_track(rng, n)
        if name == "airplane_in_rain":
            gt[12, 3] = 0  # zero height, not flagged: invalid all the same
        (root / "anno" / f"{name}.txt").write_text("".join(separator.join(f"{v:g}" for v in box) + "\n" for box in gt))
        for folder, flags in zip(("full_occlusion", "out_of_view"), _flags(rng, n)):
            (root / folder / f"{name}_{folder}.txt").write_text(",".join(map(str, flags)) + "\n")
        for tracker in TRACKERS:
            (results / tracker).mkdir(parents=True, exist_ok=True)
            pred = predictions(rng, tracker, gt)
            pred[:, 2:] = np.maximum(pred[:, 2:], 0.0)  # pytracking refuses negative sizes; zero ones carry forward
            if name == "zebra_in_water" and tracker == "good":
                pred = pred[:-1]
            (results / tracker / f"{name}.txt").write_text(
                "".join(f"{x:.2f},{y:.2f},{w:.2f},{h:.2f}\n" for x, y, w, h in pred))
    return sorted(SEQUENCES)

"""Drawing targets on a frame: one colour per target id, its id beside its box (and polygon when given)."""
from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from lib.app.session import TargetResult

__all__ = ["annotate", "target_colour"]

#: BGR colours, target ``k`` (1-based id) takes ``PALETTE[(k - 1) % len(PALETTE)]``
PALETTE = ((0, 255, 0), (255, 128, 0), (0, 0, 255), (255, 0, 255), (0, 255, 255), (255, 255, 0),
           (0, 128, 255), (128, 0, 255))


def target_colour(target_id: int) -> tuple[int, int, int]:
    """The BGR colour of target ``target_id`` (ids start at 1)."""
    return PALETTE[(target_id - 1) % len(PALETTE)]


def annotate(frame_rgb: np.ndarray, results: Sequence[TargetResult], label: str) -> np.ndarray:
    """BGR copy of the (H, W, 3) RGB frame with every target's box (2 px), polygon (1 px) and id, and ``label``
    at the top left."""
    image = cv2.cvtColor(frame_rgb, cv2.COLOR_RGB2BGR)
    for result in results:
        colour = target_colour(result.target_id)
        x, y, w, h = (int(round(v)) for v in result.box)
        cv2.rectangle(image, (x, y), (x + w, y + h), colour, 2)
        if result.polygon is not None:
            points = np.round(np.asarray(result.polygon).reshape(4, 2)).astype(np.int32)
            cv2.polylines(image, [points], True, colour, 1, cv2.LINE_AA)
        cv2.putText(image, str(result.target_id), (x + 2, max(y - 4, 10)), cv2.FONT_HERSHEY_SIMPLEX, 0.4, colour, 1,
                    cv2.LINE_AA)
    cv2.putText(image, label, (8, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 255, 255), 2, cv2.LINE_AA)
    return image

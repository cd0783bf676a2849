"""The interface every single-object tracker of the evaluation pipeline implements."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Callable

import numpy as np


class Tracker(ABC):
    """A single-object tracker driven frame by frame.

    ``initialize`` receives the first frame and ``info['init_bbox']`` (image-space ``[x, y, w, h]``);
    ``track`` receives each later frame and returns a dict whose ``'target_bbox'`` is the estimated
    ``[x, y, w, h]``. Frames are RGB ``uint8`` arrays of shape (H, W, 3). Extra keys in the returned
    dicts are tracker-specific diagnostics.
    """

    name: str = "tracker"

    @abstractmethod
    def initialize(self, image: np.ndarray, info: dict[str, Any]) -> dict[str, Any]:
        """Start tracking the object in ``info['init_bbox']`` on ``image``."""

    @abstractmethod
    def track(self, image: np.ndarray, info: dict[str, Any] | None = None) -> dict[str, Any]:
        """Locate the target in the next frame; the result holds ``'target_bbox'`` (xywh)."""


def validate_init_box(box: Any) -> list[float]:
    """The initial box as four finite floats with positive width and height, or a clear ValueError."""
    try:
        values = [float(v) for v in box]
    except (TypeError, ValueError):
        raise ValueError(f"init_bbox must be four numbers [x, y, w, h], got {box!r}") from None
    if len(values) != 4 or not all(np.isfinite(values)):
        raise ValueError(f"init_bbox must be four finite numbers [x, y, w, h], got {box!r}")
    if values[2] <= 0 or values[3] <= 0:
        raise ValueError(f"init_bbox must have positive width and height, got {box!r}")
    return values


#: ``dataset_name -> Tracker``: a fresh tracker (state, benchmark hyper-parameters) for each sequence
TrackerFactory = Callable[[str], Tracker]

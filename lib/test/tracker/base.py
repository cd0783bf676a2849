"""The interface every single-object tracker of the evaluation pipeline implements."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import Enum
from collections.abc import Sequence
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


class InitStyle(Enum):
    """How a benchmark hands the first-frame target to a tracker."""

    BOX = "box"  # an axis-aligned ``[x, y, w, h]`` taken as it is
    VOT_REGION = "vot_region"  # a VOT region (rectangle or 8-value polygon), read the VOT toolkit's way


@dataclass(frozen=True)
class TrackingTraits:
    """What a tracker is told about the benchmark it runs on.

    ``hyper_key`` names the ``cfg.TEST.HYPER`` row (looked up case-insensitively; trackers fall back to
    ``DEFAULT`` when the row is absent); ``init_style`` says how the first-frame target is given.
    """

    hyper_key: str = "DEFAULT"
    init_style: InitStyle = InitStyle.BOX


#: ``TrackingTraits -> Tracker``: a fresh tracker (state, benchmark hyper-parameters) for each sequence
TrackerFactory = Callable[[TrackingTraits], Tracker]


def _check_one_frame_each(trackers: Sequence[Tracker], images: Sequence[np.ndarray]) -> None:
    if len(trackers) != len(images):
        raise ValueError(f"{len(trackers)} trackers but {len(images)} frames")


def track_each(trackers: Sequence[Tracker], images: Sequence[np.ndarray]) -> list[dict[str, Any]]:
    """Advance each tracker on its own frame, one ``track`` call after another.

    The reference a batched step (:data:`BatchStep`) must reproduce, and the step of trackers that have no
    batched form. ``trackers[i]`` receives ``images[i]``; ValueError when the two lengths differ.
    """
    _check_one_frame_each(trackers, images)
    return [tracker.track(image) for tracker, image in zip(trackers, images)]


def check_batch(trackers: Sequence[Tracker], images: Sequence[np.ndarray], kind: type, label: str) -> None:
    """What every batched step requires: one frame per tracker, trackers of class ``kind`` sharing one prepared
    ``model`` (made by one factory). ValueError (one line, naming ``label``, the tracker) otherwise."""
    _check_one_frame_each(trackers, images)
    if not all(isinstance(tracker, kind) for tracker in trackers):
        raise ValueError(f"the {label} batched step needs {kind.__name__} instances")
    if len({id(getattr(tracker, "model", None)) for tracker in trackers}) > 1:
        raise ValueError("the trackers of one batch must share one prepared model (make them with one factory)")


#: ``(trackers, images) -> results``: advance several initialised trackers made by one factory (so sharing one
#: prepared network) on one frame each, ``results[i]`` being what ``trackers[i].track(images[i])`` returns
#: (same keys, same state updates, boxes within the fidelity tolerances). Frames may differ in size.
BatchStep = Callable[[Sequence[Tracker], Sequence[np.ndarray]], list[dict[str, Any]]]

"""One video, several targets: a session starts, advances, adds, drops and resets targets of one tracker.

Every target has its own :class:`~lib.test.tracker.base.Tracker` made by one factory (so all share one prepared
network); each frame advances all of them in one ``TrackerPlugin.track_batch`` call with the frame repeated,
which is exactly ``track_each`` (the sequential reference) for a tracker without a batched step.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from lib.test.evaluation import tracking_traits
from lib.test.evaluation.init_boxes import check_init_box
from lib.test.tracker.base import BatchStep, InitStyle, Tracker, TrackerFactory, TrackingTraits
from lib.trackers import DEFAULT_TRACKER, TrackerPlugin, batch_step, get_plugin
from lib.trackers.weights import WeightsChoice, choose_weights, load_tracker_from_weights
from lib.utils.device import DEFAULT_BACKEND

__all__ = ["TargetResult", "TrackingSession", "as_rgb_frame", "open_session", "region_bounds"]


@dataclass(frozen=True)
class TargetResult:
    """Where one target is on one frame.

    ``box``: ``[x, y, w, h]`` in pixels; ``score``: the tracker's confidence (AiATrack's predicted IoU,
    SiamAttn's best anchor score; 1.0 on the frame the target was given); ``polygon``: 8 floats
    ``x1, y1, ..., x4, y4`` of the mask's rotated rectangle (trackers with the ``"polygons"`` capability), else
    None; ``mask``: the (M, M) float32 mask probabilities of the state box's crop (``"masks"``), else None.
    """

    target_id: int
    box: list[float]
    score: float
    polygon: list[float] | None = None
    mask: np.ndarray | None = None


def as_rgb_frame(frame: np.ndarray | torch.Tensor) -> np.ndarray:
    """A frame as the (H, W, 3) RGB uint8 array trackers take.

    Accepts such an array, or a uint8 torch tensor shaped (H, W, 3) or (3, H, W) (on any device).
    Raises ValueError for another shape or dtype.
    """
    if isinstance(frame, torch.Tensor):
        if frame.dtype != torch.uint8:
            raise ValueError(f"frame tensor must be uint8 RGB, got {frame.dtype}")
        if frame.ndim == 3 and frame.shape[0] == 3 and frame.shape[-1] != 3:
            frame = frame.permute(1, 2, 0)
        frame = frame.detach().cpu().numpy()
    frame = np.asarray(frame)
    if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
        raise ValueError(f"frame must be an (H, W, 3) RGB uint8 array, got shape {frame.shape} {frame.dtype}")
    return np.ascontiguousarray(frame)


def region_bounds(region: Sequence[float]) -> list[float]:
    """``[x, y, w, h]`` of a box, or the axis-aligned bounds of an 8-value polygon; ValueError otherwise."""
    values = [float(v) for v in region]
    if len(values) == 4:
        return values
    if len(values) == 8:
        xs, ys = values[0::2], values[1::2]
        return [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
    raise ValueError(f"a target is a box x,y,w,h or an 8-value polygon, got {len(values)} values")


class TrackingSession:
    """Targets of one video tracked by one tracker.

    ``start(frame, regions)`` (re)starts with one target per region; ``add``/``reset`` give one target its
    region on the current frame; ``drop`` forgets a target; ``update(frame)`` advances every target and returns
    their :class:`TargetResult` in target order. Target ids are 1, 2, ... in the order targets were added and
    are never reused. Frames: see :func:`as_rgb_frame`. A region is ``[x, y, w, h]`` in pixels, or an 8-value
    polygon when the traits initialise the VOT way (``hyper`` a VOT benchmark).
    """

    def __init__(self, plugin: TrackerPlugin, factory: TrackerFactory, traits: TrackingTraits,
                 weights: WeightsChoice | None = None, step: BatchStep | None = None) -> None:
        self.plugin, self.factory, self.traits, self.weights = plugin, factory, traits, weights
        self.step = plugin.track_batch if step is None else step
        self.trackers: dict[int, Tracker] = {}
        self.next_id = 1

    @property
    def target_ids(self) -> list[int]:
        """Ids of the targets being tracked, in the order they were added."""
        return list(self.trackers)

    def start(self, frame: np.ndarray | torch.Tensor, regions: Sequence[Sequence[float]],
              where: Sequence[str] | None = None) -> list[TargetResult]:
        """Forget every target, then add one per region on ``frame`` (ids restart at 1).

        Every region is checked before any tracker starts: AnnotationError (a ValueError) naming ``where[k]``
        (e.g. the file and line region ``k`` came from; default ``target k``) for a box outside the frame or
        without area.
        """
        self.trackers.clear()
        self.next_id = 1
        image = as_rgb_frame(frame)
        for k, region in enumerate(regions):
            self._check(region, image, where[k] if where is not None else f"target {k + 1}")
        return [self._initialize(self._new_id(), image, region) for region in regions]

    def add(self, frame: np.ndarray | torch.Tensor, region: Sequence[float]) -> TargetResult:
        """Start a new target on ``frame`` (the frame the others were last updated with); its id is returned in
        the result. Raises ValueError (via :class:`~lib.utils.errors.AnnotationError`) for a bad region."""
        image = as_rgb_frame(frame)
        self._check(region, image)
        return self._initialize(self._new_id(), image, region)

    def reset(self, target_id: int, frame: np.ndarray | torch.Tensor, region: Sequence[float]) -> TargetResult:
        """Restart target ``target_id`` from ``region`` on ``frame``; KeyError for an unknown id."""
        self._known(target_id)
        image = as_rgb_frame(frame)
        self._check(region, image)
        return self._initialize(target_id, image, region)

    def drop(self, target_id: int) -> None:
        """Stop tracking target ``target_id``; KeyError for an unknown id."""
        self._known(target_id)
        del self.trackers[target_id]

    def update(self, frame: np.ndarray | torch.Tensor) -> list[TargetResult]:
        """Advance every target to ``frame`` in one ``track_batch`` call; [] when there are no targets."""
        if not self.trackers:
            return []
        image = as_rgb_frame(frame)
        ids = list(self.trackers)
        outputs = self.step([self.trackers[i] for i in ids], [image] * len(ids))
        return [_result(i, output) for i, output in zip(ids, outputs)]

    def _new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def _known(self, target_id: int) -> None:
        if target_id not in self.trackers:
            raise KeyError(f"no target {target_id}; targets: {self.target_ids}")

    def _check(self, region: Sequence[float], image: np.ndarray, where: str = "target") -> None:
        values = list(region)
        if len(values) == 8 and self.traits.init_style is not InitStyle.VOT_REGION:
            raise ValueError("a polygon initialises the VOT way only: open the session with a VOT benchmark "
                             "as hyper (e.g. vot18)")
        check_init_box(region_bounds(values), (image.shape[1], image.shape[0]), where)

    def _initialize(self, target_id: int, image: np.ndarray, region: Sequence[float]) -> TargetResult:
        tracker = self.factory(self.traits)
        output = tracker.initialize(image, {"init_bbox": [float(v) for v in region]})
        self.trackers[target_id] = tracker
        return TargetResult(target_id, [float(v) for v in output["target_bbox"]], 1.0,
                            polygon=[float(v) for v in region] if len(region) == 8 else None)


def _result(target_id: int, output: dict[str, Any]) -> TargetResult:
    """A tracker's output dict as a :class:`TargetResult` (score NaN when the tracker reports none)."""
    score = output.get("predicted_iou", output.get("best_score", float("nan")))
    polygon = output.get("target_polygon")
    return TargetResult(target_id, [float(v) for v in output["target_bbox"]], float(score),
                        polygon=None if polygon is None else [float(v) for v in polygon],
                        mask=output.get("mask_prob"))


def open_session(tracker: str = DEFAULT_TRACKER, checkpoint: str | None = None, config: str | None = None,
                 device: str | torch.device = "cpu", precision: str | None = None,
                 hyper: str = "default", backend: str = DEFAULT_BACKEND) -> TrackingSession:
    """Load ``tracker`` with its weights (default: the checkpoint its plug-in ships, see
    ``lib/trackers/weights.py``) on ``device`` at ``precision``, for the ``TEST.HYPER`` row or benchmark ``hyper``,
    its network run by ``backend`` (``torch`` or ``onnxruntime``, see docs/onnx.md).

    Raises ValueError (unknown tracker or hyper row), FileNotFoundError / CheckpointError (weights, naming the
    file) and ConfigError (config or precision), all before the network is built where they can be.
    """
    plugin = get_plugin(tracker)
    weights = choose_weights(checkpoint, config, tracker, precision)
    traits = tracking_traits(hyper, weights.config_node().TEST.HYPER.keys())
    return TrackingSession(plugin, load_tracker_from_weights(weights, device, backend), traits, weights,
                           batch_step(tracker, backend))

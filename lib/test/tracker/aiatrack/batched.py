"""AiATrack's batched step: several trackers sharing one prepared network advance on one frame each.

Per batch: each tracker crops its own search region (with OpenCV on the host, or with torch ops on the device
when the plan's ``device_crop`` says so); the N crops are encoded in one network call; the
searches are decoded in one call, each against its own references (stacked along the batch axis, which
needs equal reference counts: trackers are grouped by ``1 + num_short``, one network pass per group); the
corner and IoU heads run once per group. Each tracker then maps its box back, clips it and updates its own
memory through the same methods as :meth:`AiATracker.track` (``finish_step``, ``result``), so the results
equal ``track`` up to float rounding of the batched kernels (bit-identical for a batch of one).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from lib.models.aiatrack import EncodedFrame
from lib.test.tracker.aiatrack.tracker import AiATracker, predict_heads
from lib.test.tracker.base import Tracker, check_batch
from lib.utils.device import InferencePlan, inference_plan

__all__ = ["track_batch"]


@torch.no_grad()
def track_batch(trackers: Sequence[Tracker], images: Sequence[np.ndarray],
                plan: InferencePlan | None = None) -> list[dict[str, Any]]:
    """``[trackers[i].track(images[i]) for i]`` with batched network calls (see the module docstring).

    ``trackers`` are initialised :class:`AiATracker` s sharing one prepared model; ``images`` RGB uint8
    (H, W, 3), sizes may differ. ``plan`` (default: the model device's, :func:`lib.utils.device.inference_plan`)
    says whether the crops are cut on the device (``device_crop``). ValueError when the lengths differ, a
    tracker is not an AiATracker or the trackers do not share one model; RuntimeError when one is not
    initialised.
    """
    check_batch(trackers, images, AiATracker, "AiATrack")
    if not trackers:
        return []
    groups: dict[int, list[int]] = defaultdict(list)
    for index, tracker in enumerate(trackers):
        if tracker.memory is None:
            raise RuntimeError("call initialize() before track()")
        groups[1 + len(tracker.memory.short_term())].append(index)
    device_crop = (plan or inference_plan(trackers[0].device)).device_crop
    results: list[dict[str, Any] | None] = [None] * len(trackers)
    for members in groups.values():
        outputs = _group_step([trackers[i] for i in members], [images[i] for i in members], device_crop)
        for index, output in zip(members, outputs):
            results[index] = output
    return results


def _group_step(trackers: Sequence[AiATracker], images: Sequence[np.ndarray],
                device_crop: bool) -> list[dict[str, Any]]:
    """One network pass for trackers whose memories give the same reference count."""
    model = trackers[0].model
    inputs = [tracker.search_input(image, device_crop) for tracker, image in zip(trackers, images)]
    encoded = model.encode(torch.cat([search.image for search in inputs]),
                           torch.cat([search.mask for search in inputs]))
    references = [(tracker.memory.long_term(), tracker.memory.short_term()) for tracker in trackers]
    corners, ious = predict_heads(model, model.decode_batch(encoded, references))
    ious = ious.tolist()
    results = []
    for i, (tracker, image, search) in enumerate(zip(trackers, images, inputs)):
        step = tracker.finish_step(image.shape[:2], search.resize_factor, _entry(encoded, i), corners[i:i + 1],
                                   ious[i])
        results.append(tracker.result(step))
    return results


def _entry(encoded: EncodedFrame, index: int) -> EncodedFrame:
    """Batch entry ``index`` as a batch-1 frame with its own storage (a cached reference keeps only its frame)."""
    return EncodedFrame(memory=encoded.memory[:, index:index + 1].contiguous(),
                        inr=encoded.inr[:, index:index + 1].contiguous(),
                        mask=encoded.mask[index:index + 1].clone())

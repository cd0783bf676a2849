"""SiamAttn's batched step: several trackers sharing one prepared network advance on one frame each.

The N search crops (cut with OpenCV on the host, or with torch ops on the device when the plan's
``device_crop`` says so) and the N cached templates are stacked along the batch axis for one
``track_features`` call; the box head then refines the N chosen anchors in one call and the mask head
predicts the N masks in one call, each RoI carrying its tracker's batch index. Between the calls each tracker
runs its own phases of :meth:`SiamAttnTracker.track` (``select_anchor``, ``apply_refinement``, ``add_mask``),
so results equal ``track`` up to float rounding of the batched kernels (bit-identical for a batch of one).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from lib.test.tracker.base import Tracker, check_batch
from lib.test.tracker.siamattn.tracker import SiamAttnTracker
from lib.utils.device import InferencePlan, inference_plan

__all__ = ["track_batch"]


@torch.no_grad()
def track_batch(trackers: Sequence[Tracker], images: Sequence[np.ndarray],
                plan: InferencePlan | None = None) -> list[dict[str, Any]]:
    """``[trackers[i].track(images[i]) for i]`` with batched network calls (see the module docstring).

    ``trackers`` are initialised :class:`SiamAttnTracker` s sharing one prepared model; ``images`` RGB uint8
    (H, W, 3), sizes may differ. ``plan`` (default: the model device's, :func:`lib.utils.device.inference_plan`)
    says whether the crops are cut on the device (``device_crop``). ValueError when the lengths differ, a
    tracker is not a SiamAttnTracker or the trackers do not share one model; RuntimeError when one is not
    initialised.
    """
    check_batch(trackers, images, SiamAttnTracker, "SiamAttn")
    if not trackers:
        return []
    model, device = trackers[0].model, trackers[0].device
    device_crop = (plan or inference_plan(device)).device_crop
    steps = [tracker.search_crop(image, device_crop) for tracker, image in zip(trackers, images)]
    templates = [torch.cat(level) for level in zip(*(tracker.template for tracker in trackers))]
    outputs = model.track_features(templates, torch.cat([step.crop for step in steps]))
    for i, (tracker, step) in enumerate(zip(trackers, steps)):
        tracker.select_anchor(step, outputs["cls"][i:i + 1], outputs["loc"][i:i + 1])
    raw = model.refine_box(outputs["b_fused"], _with_batch_index([step.roi for step in steps]).to(device))
    results = [tracker.apply_refinement(step, raw[i]) for i, (tracker, step) in enumerate(zip(trackers, steps))]
    if steps[0].mask_roi is None:
        return results
    logits = model.refine_mask(outputs["m_fused"], _with_batch_index([step.mask_roi for step in steps]).to(device))
    return [tracker.add_mask(step, logits[i, 0], result)
            for i, (tracker, step, result) in enumerate(zip(trackers, steps, results))]


def _with_batch_index(rois: Sequence[torch.Tensor]) -> torch.Tensor:
    """Per-tracker RoIs (1, 5) with batch index 0 -> (N, 5), row i pointing at batch entry i."""
    stacked = torch.cat(rois)
    stacked[:, 0] = torch.arange(len(rois), dtype=stacked.dtype)
    return stacked

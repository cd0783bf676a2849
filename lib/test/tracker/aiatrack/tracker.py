"""The AiATrack tracker: search-region tracking against a memory of encoded reference frames.

Per frame (official behaviour, docs/quirks-aiatrack.md#tracking-loop): crop a square of
``SEARCH_FACTOR`` times the target size around the previous state, encode it once, decode it against
the long-term reference (the first frame) and a few short-term references from the memory, predict
the box with the corner head and its quality with the IoU head, map the box back to the image and clip
it. When the predicted IoU exceeds the threshold, the already encoded search frame becomes a new
short-term reference (features are reused, never re-encoded).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from lib.config import ConfigNode, hyper_for_dataset
from lib.models.aiatrack import EncodedFrame, ReferenceFrame, prepare_for_tracking, tracking_dtype
from lib.test.tracker.base import Tracker, validate_init_box
from lib.test.tracker.aiatrack.reference_memory import ReferenceMemory
from lib.utils.box_ops import box_to_region_map, box_xyxy_to_cxcywh, box_xyxy_to_xywh, clip_box_xywh
from lib.utils.crop import box_in_crop, crop_search_region, normalize_image, normalize_tensor
from lib.utils.crop_torch import crop_search_region_torch
from lib.utils.device import apply_precision

def predict_heads(model: torch.nn.Module, decoded: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Decoder maps (B, C, H, W) -> corners (B, 4) normalized x1, y1, x2, y2 and IoU-head scores (B,).

    The heads run in float32 and channels-last whatever the network precision; each box is scored by the IoU head.
    """
    decoded = decoded.float().contiguous(memory_format=torch.channels_last)
    corners = model.predict_corners(decoded)
    return corners, model.predict_iou(decoded, box_xyxy_to_xywh(corners)[:, None])[:, 0]


# Smallest width/height (pixels) a clipped state keeps inside the image, as in the official tracker.
CLIP_MARGIN = 10


@dataclass
class SearchInput:
    """A search crop as the network reads it: image (1, 3, S, S) normalized, padding mask (1, S, S) bool,
    both on the model's device, and the crop's scale (crop pixels -> search-region pixels)."""

    image: torch.Tensor
    mask: torch.Tensor
    resize_factor: float


@dataclass
class TrackStep:
    """Everything one search frame produced, before the reference memory is updated."""

    encoded: EncodedFrame  # the encoded search region (reused as a reference on update)
    pred_boxes_cxcywh_norm: torch.Tensor  # (1, 4) float32, normalized in the crop
    coord_in_crop_xywh_norm: torch.Tensor  # (1, 4) float32, the same box as xywh
    predicted_iou: float
    resize_factor: float  # crop pixels -> search-region pixels
    pred_box_image_cxcywh: list[float]  # predicted box at image scale, relative to the crop
    mapped_box_xywh: list[float]  # the predicted box in image coordinates, before clipping
    target_bbox: list[float]  # mapped back to the image and clipped (the new state)


class AiATracker(Tracker):
    """AiATrack with per-benchmark hyper-parameters from ``cfg.TEST.HYPER``.

    ``cache_size``, ``num_short`` and ``threshold`` are plain attributes (set from the HYPER row of
    ``hyper_key``, DEFAULT when the config has no such row) and may be changed before tracking. The
    network runs in its inference form with ``cfg.TEST.PRECISION`` (see
    :func:`lib.models.prepare_for_tracking`; a model already prepared is used as it is); the process-wide
    TF32 flags are set for that precision (:func:`lib.utils.device.apply_precision`: off unless ``tf32``).
    """

    name = "aiatrack"

    def __init__(self, model: torch.nn.Module, cfg: ConfigNode, hyper_key: str = "DEFAULT") -> None:
        apply_precision(cfg.TEST.PRECISION)
        self.model = prepare_for_tracking(model, cfg.TEST.PRECISION)
        self.dtype = tracking_dtype(self.model)
        self.search_factor = float(cfg.TEST.SEARCH_FACTOR)
        self.search_size = int(cfg.TEST.SEARCH_SIZE)
        self.mean = tuple(cfg.DATA.MEAN)
        self.std = tuple(cfg.DATA.STD)
        self.cache_size, self.num_short, self.threshold = hyper_for_dataset(cfg, hyper_key)
        self.state: list[float] | None = None
        self.memory: ReferenceMemory | None = None
        self.frame_index = 0

    @property
    def device(self) -> torch.device:
        """Device of the model parameters (inputs are moved there)."""
        return next(self.model.parameters()).device

    @torch.no_grad()
    def initialize(self, image: np.ndarray, info: dict[str, Any]) -> dict[str, Any]:
        """Encode the region around ``info['init_bbox']`` as the long-term reference."""
        box = validate_init_box(info.get("init_bbox"))
        region = crop_search_region(image, box, self.search_factor, self.search_size)
        encoded = self._encode(region.image, region.padding_mask)
        box_t = torch.tensor(box, dtype=torch.float32)
        target_box = box_in_crop(box_t, box_t, region.resize_factor, self.search_size, normalize=True)
        reference = self._reference(encoded, target_box.to(self.device)[None])
        self.memory = ReferenceMemory(reference, self.cache_size, self.num_short)
        self.state = box
        self.frame_index = 0
        return {"target_bbox": list(box)}

    @torch.no_grad()
    def track(self, image: np.ndarray, info: dict[str, Any] | None = None) -> dict[str, Any]:
        """Locate the target in ``image``; returns ``target_bbox``, ``predicted_iou``, ``cache_updated``."""
        return self.result(self.predict_step(image))

    @torch.no_grad()
    def predict_step(self, image: np.ndarray) -> TrackStep:
        """Run the network on the search region around the current state; changes nothing."""
        search = self.search_input(image)
        encoded = self.model.encode(search.image, search.mask)
        decoded = self.model.decode(encoded, long_term=self.memory.long_term(), short_term=self.memory.short_term())
        corners, ious = predict_heads(self.model, decoded)
        return self.finish_step(image.shape[:2], search.resize_factor, encoded, corners, float(ious[0].item()))

    def search_input(self, image: np.ndarray, device_crop: bool = False) -> SearchInput:
        """The network input of the search crop around the current state; RuntimeError before :meth:`initialize`.

        ``device_crop`` uploads ``image`` and crops it on the model's device (``lib/utils/crop_torch.py``, within
        one grey level of the OpenCV crop, see ``InferencePlan.device_crop``) instead of cropping on the host.
        """
        if self.memory is None or self.state is None:
            raise RuntimeError("call initialize() before track()")
        if device_crop:
            frame = torch.from_numpy(np.ascontiguousarray(image)).to(self.device)
            crop = crop_search_region_torch(frame, self.state, self.search_factor, self.search_size)
            normalized = normalize_tensor(crop.image, self.mean, self.std).to(dtype=self.dtype)
            return SearchInput(normalized, crop.padding_mask[None], crop.resize_factor)
        region = crop_search_region(image, self.state, self.search_factor, self.search_size)
        return SearchInput(*self._network_input(region.image, region.padding_mask), region.resize_factor)

    def finish_step(self, image_size: tuple[int, int], resize_factor: float, encoded: EncodedFrame,
                    corners: torch.Tensor, predicted_iou: float) -> TrackStep:
        """This tracker's share of a network pass: map the corners back to the image and clip; changes nothing.

        ``image_size`` is the frame's (height, width); ``encoded`` the frame's encoded search region (batch 1);
        ``corners`` (1, 4) float32 normalized x1, y1, x2, y2 in the crop, ``predicted_iou`` its IoU-head score.
        """
        height, width = image_size
        pred_cxcywh, pred_xywh = box_xyxy_to_cxcywh(corners), box_xyxy_to_xywh(corners)
        # Image-scale box in float32 (as the official tensor arithmetic), then float64 in Python.
        pred_box = (pred_cxcywh[0] * self.search_size / resize_factor).tolist()
        mapped = self._map_box_back(pred_box, resize_factor)
        if all(math.isfinite(v) for v in mapped):
            target_bbox = clip_box_xywh(mapped, height, width, margin=CLIP_MARGIN)
        else:  # a broken network output never becomes the state (it would poison every later crop)
            target_bbox = list(self.state)
        return TrackStep(encoded, pred_cxcywh, pred_xywh, predicted_iou, resize_factor, pred_box, mapped,
                         target_bbox)

    def result(self, step: TrackStep) -> dict[str, Any]:
        """Apply ``step`` (memory update when its IoU beats the threshold) and return what :meth:`track` returns."""
        update = step.predicted_iou > self.threshold  # False for NaN
        self.apply_step(step, update)
        return {"target_bbox": list(step.target_bbox), "predicted_iou": step.predicted_iou,
                "cache_updated": update}

    @torch.no_grad()
    def apply_step(self, step: TrackStep, update_memory: bool) -> None:
        """Adopt the step's box as the new state; store its encoded frame as a reference if asked."""
        self.frame_index += 1
        self.state = list(step.target_bbox)
        if update_memory:
            self.memory.capacity, self.memory.num_short = self.cache_size, self.num_short
            self.memory.add(self._reference(step.encoded, step.coord_in_crop_xywh_norm), self.frame_index)

    def _encode(self, crop: np.ndarray, padding_mask: np.ndarray) -> EncodedFrame:
        return self.model.encode(*self._network_input(crop, padding_mask))

    def _network_input(self, crop: np.ndarray, padding_mask: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """A search crop (S, S, 3) uint8 and its padding mask (S, S) -> normalized (1, 3, S, S), mask (1, S, S)."""
        image = normalize_image(crop, self.mean, self.std).to(self.device, self.dtype)
        return image, torch.from_numpy(padding_mask)[None].to(self.device)

    def _reference(self, encoded: EncodedFrame, box_xywh_norm: torch.Tensor) -> ReferenceFrame:
        """A reference from an encoded frame and the target box (normalized xywh) inside its crop."""
        feat_size = math.isqrt(encoded.memory.shape[0])
        region = box_to_region_map(box_xywh_norm, feat_size)
        embedding = self.model.target_embedding(region, encoded.memory)
        return ReferenceFrame(encoded.memory, embedding, encoded.inr, encoded.mask)

    def _map_box_back(self, pred_box: list[float], resize_factor: float) -> list[float]:
        """Image-space xywh from a box predicted relative to the search region around the state."""
        x, y, w, h = self.state
        half_side = 0.5 * self.search_size / resize_factor
        cx = pred_box[0] + (x + 0.5 * w - half_side)
        cy = pred_box[1] + (y + 0.5 * h - half_side)
        return [cx - 0.5 * pred_box[2], cy - 0.5 * pred_box[3], pred_box[2], pred_box[3]]

"""Turn sampled frames into one AiATrack training sample (crops, masks, region maps, proposals).

For a sample of R reference frames (first = long-term, then short-term) and one search frame:

1. grayscale and full-frame horizontal flip, decided once for the whole sample;
2. per frame, a jittered crop box (long-term reference: the long-term jitter, zero by default;
   short-term references and search frame: the search jitter) and the official search-region crop
   around it (``lib.utils.crop``), with the ground truth mapped into the crop (normalized xywh);
3. per crop, an independent brightness factor and horizontal flip, then normalization;
4. target region maps of the references at feature resolution (``box_to_region_map``) and 16 IoU
   proposals around the search box.

A sample is rejected (``None``) when a jittered box is too small to crop or a crop is padding
only (at pixel or at feature resolution), as in the official processing.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from lib.config import ConfigNode
from lib.train.aiatrack.transforms import (Augmentation, adjust_brightness, draw_jitter, flip_crop, flip_frame,
                                           jitter_box, sample_proposals, to_grayscale)
from lib.utils.box_ops import box_to_region_map
from lib.utils.crop import box_in_crop, crop_search_region, normalize_image
from lib.utils.profiling import StageTimer

BACKBONE_STRIDE = 16


@dataclass
class CroppedFrame:
    """One processed crop: normalized image (3, S, S), padding mask (S, S) and GT box in the crop."""

    image: torch.Tensor
    mask: torch.Tensor
    box: torch.Tensor


class AiATrackProcessing:
    """Callable building the training sample dict from reference frames and one search frame."""

    def __init__(self, output_size: int = 320, search_factor: float = 5.0, center_jitter: float = 4.5,
                 scale_jitter: float = 0.5, long_term_center_jitter: float = 0.0,
                 long_term_scale_jitter: float = 0.0, mean: Sequence[float] = (0.485, 0.456, 0.406),
                 std: Sequence[float] = (0.229, 0.224, 0.225),
                 augmentation: Augmentation = Augmentation()) -> None:
        if output_size % BACKBONE_STRIDE:
            raise ValueError(f"search size {output_size} must be a multiple of the backbone stride {BACKBONE_STRIDE}")
        self.output_size = output_size
        self.feat_size = output_size // BACKBONE_STRIDE
        self.search_factor = search_factor
        self.jitter = {"long_term": (long_term_center_jitter, long_term_scale_jitter),
                       "search": (center_jitter, scale_jitter)}
        self.mean, self.std = tuple(mean), tuple(std)
        self.augmentation = augmentation
        self.timer = StageTimer()

    @classmethod
    def from_config(cls, cfg: ConfigNode, augmentation: Augmentation = Augmentation()) -> "AiATrackProcessing":
        """Sizes and jitter from ``cfg.DATA`` (SEARCH for search and short-term, TEMPLATE for long-term)."""
        data = cfg.DATA
        return cls(output_size=data.SEARCH.SIZE, search_factor=data.SEARCH.FACTOR,
                   center_jitter=data.SEARCH.CENTER_JITTER, scale_jitter=data.SEARCH.SCALE_JITTER,
                   long_term_center_jitter=data.TEMPLATE.CENTER_JITTER,
                   long_term_scale_jitter=data.TEMPLATE.SCALE_JITTER,
                   mean=data.MEAN, std=data.STD, augmentation=augmentation)

    def __call__(self, reference_frames: Sequence[np.ndarray], reference_boxes: torch.Tensor,
                 search_frame: np.ndarray, search_box: torch.Tensor, rng: np.random.Generator
                 ) -> dict[str, torch.Tensor] | None:
        """The sample dict (see the module docstring) or None when the draw has to be rejected.

        ``reference_boxes`` (R, 4) and ``search_box`` (4,) are image-space xywh; all random
        choices come from ``rng``.
        """
        frames = list(reference_frames) + [search_frame]
        boxes = torch.cat((torch.as_tensor(reference_boxes, dtype=torch.float32).reshape(-1, 4),
                           torch.as_tensor(search_box, dtype=torch.float32).reshape(1, 4)))
        with self.timer.stage("augment"):
            frames, boxes = self._joint_augment(frames, boxes, rng)
        crops = []
        for i, (frame, box) in enumerate(zip(frames, boxes)):
            with self.timer.stage("augment"):
                crop_box, brightness, flip = self._draw_frame_params("long_term" if i == 0 else "search", box, rng)
            crop = self.crop_frame(frame, box, crop_box, brightness, flip)
            if crop is None:
                return None
            crops.append(crop)
        with self.timer.stage("augment"):
            references, search = crops[:-1], crops[-1]
            proposals, iou_targets = sample_proposals(search.box, rng)
            return {
                "reference_images": torch.stack([c.image for c in references]),
                "reference_masks": torch.stack([c.mask for c in references]),
                "reference_regions": torch.stack([box_to_region_map(c.box, self.feat_size) for c in references]),
                "search_image": search.image,
                "search_mask": search.mask,
                "search_box": search.box,
                "proposals": proposals,
                "proposal_iou_targets": iou_targets,
            }

    def _joint_augment(self, frames: list[np.ndarray], boxes: torch.Tensor, rng: np.random.Generator
                       ) -> tuple[list[np.ndarray], torch.Tensor]:
        """Grayscale and full-frame flip, one decision for all frames of the sample."""
        grayscale = rng.random() < self.augmentation.grayscale_prob
        flip = rng.random() < self.augmentation.frame_flip_prob
        if grayscale:
            frames = [to_grayscale(f) for f in frames]
        if flip:
            flipped = [flip_frame(f, b) for f, b in zip(frames, boxes)]
            frames, boxes = [f for f, _ in flipped], torch.stack([b for _, b in flipped])
        return frames, boxes

    def _draw_frame_params(self, jitter: str, box: torch.Tensor, rng: np.random.Generator
                           ) -> tuple[torch.Tensor, float, bool]:
        """Crop box (``"long_term"`` or ``"search"`` jitter factors), brightness factor and crop flip."""
        center_jitter, scale_jitter = self.jitter[jitter]
        crop_box = jitter_box(box, *draw_jitter(rng), center_jitter, scale_jitter)
        brightness = rng.uniform(max(0.0, 1.0 - self.augmentation.brightness_jitter),
                                 1.0 + self.augmentation.brightness_jitter)
        return crop_box, float(brightness), bool(rng.random() < self.augmentation.crop_flip_prob)

    def crop_frame(self, frame: np.ndarray, box: torch.Tensor, crop_box: torch.Tensor, brightness: float = 1.0,
                   flip: bool = False) -> CroppedFrame | None:
        """Crop around ``crop_box``, map the GT ``box`` into the crop, apply brightness and flip,
        normalize. None when the crop box is too small or the crop is padding only."""
        if not self._croppable(crop_box):
            return None
        with self.timer.stage("crop"):
            region = crop_search_region(frame, crop_box.tolist(), self.search_factor, self.output_size)
            box_norm = box_in_crop(box, crop_box, region.resize_factor, self.output_size)
        with self.timer.stage("augment"):
            image, mask = region.image, region.padding_mask
            if flip:
                image, mask, box_norm = flip_crop(image, mask, box_norm)
            if _all_padding(mask):
                return None
            image_t = normalize_image(adjust_brightness(image, brightness), self.mean, self.std)[0]
            return CroppedFrame(image_t, torch.from_numpy(mask), box_norm)

    def _croppable(self, crop_box: torch.Tensor) -> bool:
        """The crop side ceil(sqrt(w h) * factor) is at least one pixel (and finite)."""
        side = float(torch.sqrt(crop_box[2] * crop_box[3])) * self.search_factor
        return bool(torch.isfinite(crop_box).all()) and math.isfinite(side) and math.ceil(side) >= 1


def _all_padding(mask: np.ndarray) -> bool:
    """Every pixel, or every token of the feature-resolution mask, is padding. The token mask takes
    the top-left pixel of each stride x stride block (nearest downsampling, as the model does)."""
    return bool(mask.all()) or bool(mask[::BACKBONE_STRIDE, ::BACKBONE_STRIDE].all())

"""Random augmentations and box perturbations of the AiATrack training pipeline.

Each function takes its random draws as arguments (or a numpy ``Generator``), so the processing
decides the order of the draws and tests can fix them. The parameters are the official ones
(``build_dataloaders`` / ``AIATRACKProcessing`` of the official training code):

* per sample, on the full frames and shared by all frames: grayscale with p = 0.05, horizontal
  flip with p = 0.5 (mirror axis at ``W - 1``, i.e. x -> W - 1 - x);
* per crop, drawn independently for every crop: brightness factor uniform in [0.8, 1.2] and
  horizontal flip with p = 0.5 (normalized boxes, x -> 1 - x);
* box jitter before cropping: size * exp(N(0, 1) * scale_jitter), centre moved uniformly by up to
  +-0.5 * sqrt(jittered area) * center_jitter;
* IoU proposals: 16 Gaussian perturbations of the search box with sigma = sqrt(w h) times one of
  (0.03, 0.05, 0.1, 0.2, 0.3), redrawn up to 10 times with sigma shrinking by 0.9 until IoU > 0.1.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch

from lib.utils.box_ops import box_xywh_to_xyxy, paired_iou

NUM_PROPOSALS = 16
PROPOSAL_SIGMA_FACTORS = (0.03, 0.05, 0.1, 0.2, 0.3)
PROPOSAL_MIN_IOU = 0.1
PROPOSAL_TRIES = 10
PROPOSAL_SIGMA_SHRINK = 0.9


@dataclass(frozen=True)
class Augmentation:
    """Probabilities and ranges of the photometric / flip augmentations (official defaults)."""

    grayscale_prob: float = 0.05
    frame_flip_prob: float = 0.5
    brightness_jitter: float = 0.2
    crop_flip_prob: float = 0.5

    @classmethod
    def disabled(cls) -> "Augmentation":
        """No grayscale, no flips, brightness factor exactly 1."""
        return cls(0.0, 0.0, 0.0, 0.0)


def to_grayscale(image: np.ndarray) -> np.ndarray:
    """RGB uint8 -> three identical channels of the OpenCV luminance."""
    gray = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY)
    return np.repeat(gray[..., None], 3, axis=2)


def flip_frame(image: np.ndarray, box_xywh: torch.Tensor) -> tuple[np.ndarray, torch.Tensor]:
    """Mirror a full frame and its pixel box about the axis x = (W - 1) / 2 (returns a view)."""
    width = image.shape[1]
    flipped = box_xywh.clone()
    flipped[..., 0] = (width - 1) - (box_xywh[..., 0] + box_xywh[..., 2])
    return image[:, ::-1], flipped


def flip_crop(image: np.ndarray, mask: np.ndarray, box_norm: torch.Tensor
              ) -> tuple[np.ndarray, np.ndarray, torch.Tensor]:
    """Mirror a crop, its padding mask and its normalized box (x -> 1 - x)."""
    flipped = box_norm.clone()
    flipped[..., 0] = 1 - (box_norm[..., 0] + box_norm[..., 2])
    return np.ascontiguousarray(image[:, ::-1]), np.ascontiguousarray(mask[:, ::-1]), flipped


def adjust_brightness(image: np.ndarray, factor: float) -> np.ndarray:
    """uint8 image times ``factor``, clipped to [0, 255]; float32 (uint8 unchanged when factor is 1)."""
    if factor == 1.0:
        return image
    return np.clip(image.astype(np.float32) * np.float32(factor), 0.0, 255.0)


def draw_jitter(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Raw jitter noise for one box: (log-scale noise ~ N(0, 1), centre noise ~ U[0, 1)), each (2,)."""
    return rng.standard_normal(2), rng.random(2)


def jitter_box(box_xywh: torch.Tensor, scale_noise: np.ndarray, center_noise: np.ndarray,
               center_jitter: float, scale_jitter: float) -> torch.Tensor:
    """Jittered crop box: w, h scaled by exp(scale_noise * scale_jitter); centre moved by
    (center_noise - 0.5) * sqrt(w' h') * center_jitter. float32 like the input box."""
    size = box_xywh[2:] * torch.exp(torch.as_tensor(scale_noise, dtype=torch.float32) * scale_jitter)
    max_offset = size.prod().sqrt() * center_jitter
    center = box_xywh[:2] + 0.5 * box_xywh[2:] + max_offset * (torch.as_tensor(center_noise, dtype=torch.float32) - 0.5)
    return torch.cat((center - 0.5 * size, size))


def sample_proposals(box_xywh: torch.Tensor, rng: np.random.Generator, count: int = NUM_PROPOSALS
                     ) -> tuple[torch.Tensor, torch.Tensor]:
    """(count, 4) xywh IoU proposals around the box and their IoU-head targets 2 * IoU - 1, (count,).

    Each proposal picks a sigma factor; its centre, width and height get Gaussian noise of
    sigma = factor * sqrt(w h), multiplied by 0.9 after every draw without IoU > 0.1. The first
    draw passing the test is kept, or the last of ``PROPOSAL_TRIES`` (as officially; practically
    never reached). All tries are drawn at once, which gives the same distribution.
    """
    factors = np.asarray(PROPOSAL_SIGMA_FACTORS)[rng.integers(len(PROPOSAL_SIGMA_FACTORS), size=count)]
    sigma = (np.sqrt(float(box_xywh[2] * box_xywh[3])) * factors[:, None]
             * PROPOSAL_SIGMA_SHRINK ** np.arange(PROPOSAL_TRIES)[None, :])
    x, y, w, h = (float(v) for v in box_xywh)
    centred = np.array([x + 0.5 * w, y + 0.5 * h, w, h])
    draws = centred + sigma[..., None] * rng.standard_normal((count, PROPOSAL_TRIES, 4))
    candidates = torch.from_numpy(np.concatenate((draws[..., :2] - 0.5 * draws[..., 2:], draws[..., 2:]), -1)).float()
    ious = paired_iou(box_xywh_to_xyxy(box_xywh.float().expand_as(candidates)), box_xywh_to_xyxy(candidates))[0]
    passed = ious > PROPOSAL_MIN_IOU
    chosen = torch.where(passed.any(1), passed.float().argmax(1), torch.full((count,), PROPOSAL_TRIES - 1))
    rows = torch.arange(count)
    return candidates[rows, chosen], ious[rows, chosen] * 2 - 1

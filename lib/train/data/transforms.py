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


def _iou_xywh(box: torch.Tensor, other: torch.Tensor) -> torch.Tensor:
    return paired_iou(box_xywh_to_xyxy(box), box_xywh_to_xyxy(other))[0]


def perturb_box(box_xywh: torch.Tensor, rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """One IoU proposal around ``box_xywh`` and its IoU with the box.

    The centre, width and height get Gaussian noise; after ``PROPOSAL_TRIES`` draws without
    IoU > ``PROPOSAL_MIN_IOU`` the last draw is kept (as officially; practically never reached).
    """
    sigma = float(torch.sqrt(box_xywh[2] * box_xywh[3])) * PROPOSAL_SIGMA_FACTORS[
        rng.integers(len(PROPOSAL_SIGMA_FACTORS))]
    cx, cy = float(box_xywh[0] + 0.5 * box_xywh[2]), float(box_xywh[1] + 0.5 * box_xywh[3])
    w, h = float(box_xywh[2]), float(box_xywh[3])
    for _ in range(PROPOSAL_TRIES):
        pcx, pcy, pw, ph = rng.normal((cx, cy, w, h), sigma)
        proposal = torch.tensor([pcx - 0.5 * pw, pcy - 0.5 * ph, pw, ph], dtype=torch.float32)
        iou = _iou_xywh(box_xywh, proposal)
        if iou > PROPOSAL_MIN_IOU:
            break
        sigma *= PROPOSAL_SIGMA_SHRINK
    return proposal, iou


def sample_proposals(box_xywh: torch.Tensor, rng: np.random.Generator, count: int = NUM_PROPOSALS
                     ) -> tuple[torch.Tensor, torch.Tensor]:
    """(count, 4) xywh proposals around the box and their IoU-head targets 2 * IoU - 1, (count,)."""
    proposals, ious = zip(*(perturb_box(box_xywh, rng) for _ in range(count)))
    return torch.stack(proposals), torch.stack(ious) * 2 - 1

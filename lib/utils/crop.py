"""Square search-region cropping shared by training processing and the tracker.

The arithmetic reproduces the official AiATrack crop exactly (quirks Q1-Q8 of
docs/quirks-aiatrack.md): ceil crop size, banker's rounding of the origin, zero padding that also
drops the last image row/column when the crop touches the border, OpenCV bilinear resize and
a padding mask dilated by that resize. ``crop_pysot_subwindow`` is the separate pysot/SiamAttn crop
(floor origin, truncated channel-mean padding, resize only when the size differs).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np
import torch


@dataclass
class SearchRegion:
    """A crop around a box: image (S, S, 3) uint8, padding mask (S, S) bool, scale crop->output."""

    image: np.ndarray
    padding_mask: np.ndarray
    resize_factor: float


@dataclass(frozen=True)
class CropWindow:
    """A square crop of ``crop_size`` pixels whose first pixel is image pixel (``x0``, ``y0``); image pixels
    ``[src_x0, src_x1) x [src_y0, src_y1)`` are copied, every other crop pixel is padding."""

    crop_size: int
    x0: int
    y0: int
    src_x0: int
    src_x1: int
    src_y0: int
    src_y1: int


def search_window(box_xywh: Sequence[float], factor: float, image_hw: Sequence[int]) -> CropWindow:
    """The AiATrack search crop around a box (Q1-Q4): side ceil(sqrt(w*h)*factor), banker's rounded origin,
    the last image row/column never copied. ValueError for a non-finite box."""
    x, y, w, h = (float(v) for v in box_xywh)
    if not all(math.isfinite(v) for v in (x, y, w, h)):
        raise ValueError(f"cannot crop around a non-finite box {box_xywh}")
    crop_size = max(math.ceil(math.sqrt(max(w * h, 0.0)) * factor), 1)
    height, width = image_hw
    x1 = round(x + 0.5 * w - crop_size * 0.5)
    y1 = round(y + 0.5 * h - crop_size * 0.5)
    # The official padding is one pixel too wide on the right/bottom, so the last column/row is never copied.
    return CropWindow(crop_size, x1, y1, max(x1, 0), min(x1 + crop_size, width - 1), max(y1, 0),
                      min(y1 + crop_size, height - 1))


def pysot_window(center_xy: Sequence[float], crop_size: int, image_hw: Sequence[int]) -> CropWindow:
    """The pysot sub-window (C4-C5): first pixel ``floor(center - (crop_size + 1) / 2 + 0.5)``; ValueError for a
    non-finite centre or a non-positive crop size."""
    if crop_size < 1:
        raise ValueError(f"crop_size must be a positive number of pixels, got {crop_size}")
    cx, cy = (float(v) for v in center_xy)
    if not (math.isfinite(cx) and math.isfinite(cy)):
        raise ValueError(f"cannot crop around a non-finite centre {tuple(center_xy)}")
    half = (crop_size + 1) / 2
    x0, y0 = math.floor(cx - half + 0.5), math.floor(cy - half + 0.5)
    height, width = image_hw
    return CropWindow(crop_size, x0, y0, max(x0, 0), min(x0 + crop_size, width), max(y0, 0),
                      min(y0 + crop_size, height))


def crop_search_region(image: np.ndarray, box_xywh: Sequence[float], factor: float,
                       output_size: int) -> SearchRegion:
    """Cut a square of side ceil(sqrt(w*h)*factor) centred on the box and resize it to ``output_size``.

    Parts of the square outside the image are filled with zeros and marked in the padding mask.
    """
    window = search_window(box_xywh, factor, image.shape[:2])
    crop_size, x1, y1 = window.crop_size, window.x0, window.y0
    src_x0, src_x1, src_y0, src_y1 = window.src_x0, window.src_x1, window.src_y0, window.src_y1

    size = (output_size, output_size)
    if (src_x0, src_y0, src_x1, src_y1) == (x1, y1, x1 + crop_size, y1 + crop_size):
        # Entirely inside the image: resize the image window itself; nothing is padded.
        resized = cv2.resize(image[y1:src_y1, x1:src_x1], size)
        return SearchRegion(resized, np.zeros(size, dtype=bool), output_size / crop_size)
    canvas = np.zeros((crop_size, crop_size) + image.shape[2:], dtype=image.dtype)
    mask = np.ones((crop_size, crop_size), dtype=np.float64)
    if src_x1 > src_x0 and src_y1 > src_y0:
        dst_x0, dst_y0 = src_x0 - x1, src_y0 - y1
        dst_x1, dst_y1 = dst_x0 + src_x1 - src_x0, dst_y0 + src_y1 - src_y0
        canvas[dst_y0:dst_y1, dst_x0:dst_x1] = image[src_y0:src_y1, src_x0:src_x1]
        mask[dst_y0:dst_y1, dst_x0:dst_x1] = 0.0
    resized = cv2.resize(canvas, size)
    padding_mask = cv2.resize(mask, size).astype(bool)
    return SearchRegion(resized, padding_mask, output_size / crop_size)


def box_in_crop(box_xywh: torch.Tensor, crop_center_box_xywh: torch.Tensor, resize_factor: float,
                output_size: int, normalize: bool = True) -> torch.Tensor:
    """Map an image-space xywh box into the crop cut around ``crop_center_box_xywh``.

    The crop centre is placed at (output_size - 1) / 2, as the official code does. Computed in the
    dtype of the inputs (float32 in the official tracker). Returns xywh, divided by ``output_size``
    when ``normalize``.
    """
    center_in = box_xywh[..., :2] + 0.5 * box_xywh[..., 2:]
    center_ref = crop_center_box_xywh[..., :2] + 0.5 * crop_center_box_xywh[..., 2:]
    center_out = (output_size - 1) / 2 + (center_in - center_ref) * resize_factor
    size_out = box_xywh[..., 2:] * resize_factor
    box_out = torch.cat((center_out - 0.5 * size_out, size_out), dim=-1)
    return box_out / output_size if normalize else box_out


def normalize_image(image: np.ndarray, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    """(H, W, 3) uint8 RGB -> (1, 3, H, W) float32 ((x / 255) - mean) / std, with true divisions."""
    return normalize_tensor(torch.from_numpy(np.ascontiguousarray(image)), mean, std)


def normalize_tensor(image: torch.Tensor, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    """:func:`normalize_image` of an (H, W, 3) uint8 tensor on any device -> (1, 3, H, W) float32 there."""
    tensor = image.permute(2, 0, 1).contiguous().unsqueeze(0).float()
    mean_t = torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1).to(image.device)
    std_t = torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1).to(image.device)
    return ((tensor / 255.0) - mean_t) / std_t


def crop_pysot_subwindow(image: np.ndarray, center_xy: Sequence[float], output_size: int, crop_size: int,
                         channel_mean: Sequence[float]) -> np.ndarray:
    """The pysot/SiamAttn square crop: (H, W, 3) uint8 image -> (output_size, output_size, 3) uint8.

    Arithmetic of pysot ``SiameseTracker.get_subwindow`` (quirks C4-C6 of docs/quirks-siamattn.md):
    the crop's first pixel is ``floor(center - (crop_size + 1) / 2 + 0.5)`` (numpy floor, float64), the
    crop spans ``crop_size`` pixels, parts outside the image take ``channel_mean`` cast to uint8
    (truncated, one value per channel), and the patch is resized with ``cv2.resize`` (INTER_LINEAR on
    uint8) only when ``crop_size != output_size``. Channels are kept in the image's order (BGR in
    SiamAttn). Raises ValueError for a non-finite centre or a non-positive crop size.
    """
    window = pysot_window(center_xy, crop_size, image.shape[:2])
    x0, y0 = window.x0, window.y0
    src_x0, src_x1, src_y0, src_y1 = window.src_x0, window.src_x1, window.src_y0, window.src_y1
    fill = np.asarray(channel_mean, dtype=np.float64).astype(np.uint8)
    patch = np.empty((crop_size, crop_size) + image.shape[2:], dtype=np.uint8)
    patch[...] = fill
    if src_x1 > src_x0 and src_y1 > src_y0:
        patch[src_y0 - y0:src_y1 - y0, src_x0 - x0:src_x1 - x0] = image[src_y0:src_y1, src_x0:src_x1]
    if crop_size != output_size:
        patch = cv2.resize(patch, (output_size, output_size))
    return patch

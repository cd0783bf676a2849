"""The two tracker crops of lib/utils/crop.py as torch ops on a frame already on the model's device.

The crop geometry is the same host arithmetic (:func:`lib.utils.crop.search_window`,
:func:`lib.utils.crop.pysot_window`, from the tracker's state, which lives on the host); everything that
touches pixels runs on the frame's device without reading a value back. The resize reproduces OpenCV's
``INTER_LINEAR`` on uint8 (docs/quirks-aiatrack.md Q5, docs/quirks-siamattn.md C6):

* source coordinate ``fx = float32((dx + 0.5) * src / dst - 0.5)``, ``sx = floor(fx)``, ``fx -= sx``;
  ``sx < 0`` and ``sx >= src - 1`` clamp to the border with ``fx = 0``;
* 11-bit fixed-point taps ``round((1 - fx) * 2048)`` and ``round(fx * 2048)``, a horizontal pass in integers
  and the vertical pass ``((b0 * (h0 >> 4)) >> 16) + ((b1 * (h1 >> 4)) >> 16) + 2 >> 2`` (OpenCV's SIMD
  rounding). OpenCV does not round every pixel that way (its scalar row tails round
  ``(b0 * h0 + b1 * h1 + 2^21) >> 22``, and strong enlargements, such as the crop of a tiny box, round down
  on about 2% of the pixels with OpenCV 5.0), so a pixel may differ by one grey level, never more: the
  bound tests/utils/test_crop_torch.py asserts (with the share of identical pixels);
* an exact 2x shrink in both directions is OpenCV's area average ``(a + b + c + d + 2) >> 2``;
* the padding mask (a float64 resize in OpenCV, then cast to bool) is set where any tap with a non-zero
  weight reads padding.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch

from lib.utils.crop import CropWindow, pysot_window, search_window

__all__ = ["TensorSearchRegion", "crop_pysot_subwindow_torch", "crop_search_region_torch"]


@dataclass
class TensorSearchRegion:
    """:class:`lib.utils.crop.SearchRegion` on a device: image (S, S, 3) uint8, padding mask (S, S) bool."""

    image: torch.Tensor
    padding_mask: torch.Tensor
    resize_factor: float


def crop_search_region_torch(frame: torch.Tensor, box_xywh: Sequence[float], factor: float,
                             output_size: int) -> TensorSearchRegion:
    """:func:`lib.utils.crop.crop_search_region` of ``frame`` (H, W, 3) uint8 on any device (zero padding)."""
    window = search_window(box_xywh, factor, frame.shape[:2])
    image, padding = _resized_window(frame, window, output_size, torch.zeros(3, dtype=torch.uint8))
    return TensorSearchRegion(image, padding, output_size / window.crop_size)


def crop_pysot_subwindow_torch(frame: torch.Tensor, center_xy: Sequence[float], output_size: int, crop_size: int,
                               channel_mean: Sequence[float]) -> torch.Tensor:
    """:func:`lib.utils.crop.crop_pysot_subwindow` of ``frame`` (H, W, 3) uint8 on any device -> (S, S, 3) uint8.

    ``channel_mean`` (3 floats) is truncated to uint8 for the padding, as the CPU crop does.
    """
    window = pysot_window(center_xy, crop_size, frame.shape[:2])
    fill = torch.tensor([float(v) for v in channel_mean], dtype=torch.float64).to(torch.uint8)
    return _resized_window(frame, window, output_size, fill)[0]


def _resized_window(frame: torch.Tensor, window: CropWindow, output_size: int,
                    fill: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The crop of ``window`` (padding = ``fill``) resized to ``output_size``, and its resized padding mask."""
    size, device = window.crop_size, frame.device
    if size == 2 * output_size:
        taps = torch.arange(output_size, device=device) * 2
        rows = cols = (taps, taps + 1)
    else:
        rows = cols = _linear_taps(size, output_size, device)
    pixels, padded = _canvas(frame, window, torch.cat(rows[:2]), torch.cat(cols[:2]), fill.to(device))
    n = output_size
    if size == 2 * output_size:
        total = pixels[:n, :n] + pixels[:n, n:] + pixels[n:, :n] + pixels[n:, n:]
        image = (total + 2) >> 2
        mask = padded[:n, :n] | padded[:n, n:] | padded[n:, :n] | padded[n:, n:]
        return image.to(torch.uint8), mask
    _, _, wx0, wx1, x_moves = cols
    _, _, wy0, wy1, y_moves = rows
    horizontal = pixels[:, :n] * wx0[None, :, None] + pixels[:, n:] * wx1[None, :, None]
    image = (((wy0[:, None, None] * (horizontal[:n] >> 4)) >> 16)
             + ((wy1[:, None, None] * (horizontal[n:] >> 4)) >> 16) + 2) >> 2
    reads = padded[:n, :n] | (padded[:n, n:] & x_moves[None]) | (
        y_moves[:, None] & (padded[n:, :n] | (padded[n:, n:] & x_moves[None])))
    return image.clamp(0, 255).to(torch.uint8), reads


def _linear_taps(src: int, dst: int, device: torch.device) -> tuple[torch.Tensor, ...]:
    """OpenCV's bilinear taps along one axis: first and second source index (dst,), their 11-bit weights
    (int32) and whether the second tap has a non-zero float weight (bool)."""
    scale = src / dst
    position = ((torch.arange(dst, dtype=torch.float64, device=device) + 0.5) * scale - 0.5).float()
    first = torch.floor(position)
    fraction = position - first
    first = first.long()
    low, high = first < 0, first >= src - 1
    fraction = torch.where(low | high, torch.zeros_like(fraction), fraction)
    first = first.clamp(0, src - 1)
    second = (first + 1).clamp(max=src - 1)
    weight0 = torch.round((1.0 - fraction) * 2048).to(torch.int32)
    weight1 = torch.round(fraction * 2048).to(torch.int32)
    return first, second, weight0, weight1, fraction > 0


def _canvas(frame: torch.Tensor, window: CropWindow, rows: torch.Tensor, cols: torch.Tensor,
            fill: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Crop pixels (int32, len(rows) x len(cols) x 3) at crop ``rows`` x ``cols`` and where they are padding."""
    y = rows + window.y0
    x = cols + window.x0
    inside_y = (y >= window.src_y0) & (y < window.src_y1)
    inside_x = (x >= window.src_x0) & (x < window.src_x1)
    height, width = frame.shape[:2]
    picked = frame.index_select(0, y.clamp(0, height - 1)).index_select(1, x.clamp(0, width - 1))
    inside = inside_y[:, None] & inside_x[None, :]
    pixels = torch.where(inside[..., None], picked, fill.view(1, 1, -1))
    return pixels.to(torch.int32), ~inside

"""SiamAttn tracker arithmetic outside the network: initial state, scoring, box selection, refinement
decoding, state update and the mask's way back into the image (anchors: ``lib.models.siamattn.crop_anchors``).

Every function reproduces the official SiamAttn tracker (pysot ``SiamRPNTracker`` / ``SiamMaskTracker``
of msight-tech/research-siamattn) including its numpy-2 dtypes (quirk N1 of docs/quirks-siamattn.md:
float32 network outputs and anchors, float64 state, penalties and refinement); the quirk labels (C1, R3,
B1, M2, ...) are defined in that file. Boxes in the search crop are in pixels of the
``instance_size`` crop; image boxes in pixels of the frame.

Broken or untrained networks give huge box deltas, where the official arithmetic overflows (numpy prints
RuntimeWarnings and carries inf/NaN on). Here every finite result is the official one bit for bit; an
overflowing side is +inf without evaluating the overflowing operation, and a degenerate anchor box (a side
zero, not finite or outside [MIN_SIDE, MAX_SIDE]) gets the penalty's limit instead of inf/NaN arithmetic.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np
import torch


#: Anchor box sides (crop pixels; the crop is 255 px) outside [MIN_SIDE, MAX_SIDE] are degenerate: the
#: official penalty of such a box underflows to exactly 0.0 for any penalty_k of at least 1e-12, or goes
#: through inf/NaN arithmetic.
MIN_SIDE, MAX_SIDE = 1e-18, 1e18
# float32: exp(88.7) = 3.3e38 is finite; a larger exponent times any anchor side above 1.03 px overflows.
_EXP32_FINITE = 88.7
# float32 rounding to nearest turns a value at least this large into inf.
_FLOAT32_OVERFLOW = 2.0**128 - 2.0**103
# float64: exp(709) = 8.2e307 is finite; a larger exponent times a side of at least 10 px (B4) overflows.
_EXP64_FINITE = 709.0


def official_init_box(box: Sequence[float], vot_style: bool) -> list[float]:
    """The ``[x, y, w, h]`` the official ``tools/test.py`` hands to ``init`` (and reports for frame 0).

    ``box`` is ``[x, y, w, h]`` or an 8-value VOT polygon. VOT benchmarks (``vot_style``) turn a
    rectangle into the polygon ``[x, y, x, y+h-1, x+w-1, y+h-1, x+w-1, y]`` and take pysot's
    ``get_axis_aligned_bbox`` of it (area-preserving for rotated polygons), which gives back
    ``[x, y, w, h]`` for a rectangle; other benchmarks take centre ``x + w/2``, which shifts the box by
    +0.5 px. Either way the result is ``[cx - (w-1)/2, cy - (h-1)/2, w, h]``.
    Raises ValueError for another number of values, an 8-value polygon outside a VOT benchmark or a VOT
    region whose bounding box has no area (pysot would divide by zero).
    """
    values = np.asarray([float(v) for v in box], dtype=np.float64)
    if values.size == 4 and vot_style:
        x, y, w, h = values
        values = np.array([x, y, x, y + h - 1, x + w - 1, y + h - 1, x + w - 1, y])
    if values.size == 8 and vot_style:
        xs, ys = values[0::2], values[1::2]
        cx, cy = np.mean(xs), np.mean(ys)
        side_area = np.linalg.norm(values[0:2] - values[2:4]) * np.linalg.norm(values[2:4] - values[4:6])
        box_area = (max(xs) - min(xs)) * (max(ys) - min(ys))
        if not box_area > 0:
            raise ValueError(f"init_bbox must enclose an area; the region {list(box)} has none")
        ratio = np.sqrt(side_area / box_area)
        w, h = ratio * (max(xs) - min(xs)) + 1, ratio * (max(ys) - min(ys)) + 1
    elif values.size == 4:
        x, y, w, h = values
        cx, cy = x + w / 2, y + h / 2
    else:
        raise ValueError(f"initial box must be [x, y, w, h] (or an 8-value polygon on VOT), got {list(box)}")
    return [float(v) for v in (cx - (w - 1) / 2, cy - (h - 1) / 2, w, h)]


def initial_state(init_box: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Centre (2,) and size (2,) float64 of ``init``: centre ``x + (w-1)/2`` (the "-1" convention, C1)."""
    x, y, w, h = init_box
    return np.array([x + (w - 1) / 2, y + (h - 1) / 2]), np.array([w, h], dtype=np.float64)


def score_map_size(instance_size: int, exemplar_size: int, stride: int, base_size: int) -> int:
    """Side of the RPN score map: ``(instance - exemplar) // stride + 1 + base_size`` (25 officially)."""
    return (instance_size - exemplar_size) // stride + 1 + base_size


def cosine_window(score_size: int, anchor_num: int) -> np.ndarray:
    """(anchor_num * S^2,) float64: ``outer(hanning(S), hanning(S))`` flattened, repeated per anchor (B2)."""
    hanning = np.hanning(score_size)
    return np.tile(np.outer(hanning, hanning).ravel(), anchor_num)


def foreground_scores(cls: torch.Tensor) -> np.ndarray:
    """RPN classification (1, 2A, S, S) -> foreground probability (A * S^2,) float32 (quirk R4).

    Channel a is the background and channel a + A the foreground logit of anchor a; softmax over the pair.
    """
    pairs = cls.permute(1, 2, 3, 0).reshape(2, -1).t()
    return torch.softmax(pairs, dim=1)[:, 1].detach().cpu().numpy()


def decode_anchor_boxes(loc: torch.Tensor, anchors: np.ndarray) -> np.ndarray:
    """RPN regression (1, 4A, S, S) -> boxes (4, A * S^2) float32 (cx, cy, w, h), crop-centred (quirk R5).

    ``cx = dx * aw + acx``, ``cy = dy * ah + acy``, ``w = exp(dw) * aw``, ``h = exp(dh) * ah``; a side
    beyond the float32 range is +inf (``_grown_sides``).
    """
    delta = loc.permute(1, 2, 3, 0).reshape(4, -1).detach().cpu().numpy()
    return np.stack([delta[0] * anchors[:, 2] + anchors[:, 0], delta[1] * anchors[:, 3] + anchors[:, 1],
                     _grown_sides(delta[2], anchors[:, 2]), _grown_sides(delta[3], anchors[:, 3])])


def _grown_sides(delta: np.ndarray, sides: np.ndarray) -> np.ndarray:
    """float32 ``exp(delta) * sides`` (sides above 1.03 px), bit for bit as numpy computes it where that is
    finite, +inf where it overflows (that operation is not evaluated), NaN where ``delta`` is NaN."""
    too_large = delta > _EXP32_FINITE
    growth = np.exp(np.minimum(delta, _EXP32_FINITE))
    growth[too_large] = np.inf
    # a product of two float32 values is exact in float64, so this tells exactly where float32 overflows
    fits = ~(growth.astype(np.float64) * sides >= _FLOAT32_OVERFLOW)
    return np.multiply(growth, sides, out=np.full_like(growth, np.inf), where=fits)


@dataclass
class Selection:
    """Penalised scores of every anchor (float64) and the chosen index (first maximum of ``pscore``)."""

    penalty: np.ndarray
    pscore: np.ndarray
    best_idx: int


def _padded_side(w: np.ndarray | np.float64, h: np.ndarray | np.float64) -> np.ndarray | np.float64:
    pad = (w + h) * 0.5
    return np.sqrt((w + pad) * (h + pad))


def _at_least_one(ratio: np.ndarray) -> np.ndarray:
    return np.maximum(ratio, 1.0 / ratio)


def measurable(sides: np.ndarray) -> np.ndarray:
    """bool mask of the sides inside [MIN_SIDE, MAX_SIDE] (False for 0, inf and NaN)."""
    return (sides >= MIN_SIDE) & (sides <= MAX_SIDE)


def select_box(score: np.ndarray, boxes: np.ndarray, size: np.ndarray, scale_z: float, window: np.ndarray,
               penalty_k: float, window_influence: float) -> Selection:
    """Scale/aspect penalty, cosine window and argmax (quirks B1-B3).

    ``score`` (N,) float32, ``boxes`` (4, N) float32 crop boxes, ``size`` the float64 state size in image
    pixels, ``scale_z`` crop pixels per image pixel. ``penalty = exp(-(r_c * s_c - 1) * penalty_k)``
    with s_c the change of the padded side ``sqrt((w+p)(h+p))``, p = (w+h)/2, and r_c the change of the
    aspect ratio; ``pscore = penalty * score * (1 - wi) + window * wi``. A degenerate box (``measurable``
    fails for a side) gets the penalty's limit: 0 (1 when ``penalty_k`` is 0).
    """
    target_side = _padded_side(size[0] * scale_z, size[1] * scale_z)
    usable = measurable(boxes[2, :]) & measurable(boxes[3, :])
    width, height = boxes[2, usable], boxes[3, usable]
    scale_change = _at_least_one(_padded_side(width, height) / target_side)
    ratio_change = _at_least_one((size[0] / size[1]) / (width / height))
    penalty = np.full(score.shape, 0.0 if penalty_k else 1.0)
    penalty[usable] = np.exp(-(ratio_change * scale_change - 1) * penalty_k)
    pscore = penalty * score * (1 - window_influence) + window * window_influence
    return Selection(penalty, pscore, int(np.argmax(pscore)))


def size_update_rate(selection: Selection, score: np.ndarray, lr: float) -> np.float64:
    """Weight of the new size in the smoothed state: ``penalty[best] * score[best] * lr``, float64 (B7)."""
    return selection.penalty[selection.best_idx] * score[selection.best_idx] * lr


def clip_box(cx: float, cy: float, width: float, height: float,
             boundary_hw: Sequence[int]) -> tuple[float, float, float, float]:
    """pysot ``_bbox_clip``: centre to [0, W-1] x [0, H-1], size to [10, W-1] x [10, H-1] (B4, B8).

    Python ``min``/``max``, so an unclipped value keeps its type (float32 in the crop, float64 in the image).
    """
    boundary_h, boundary_w = boundary_hw
    return (max(0, min(cx, boundary_w - 1)), max(0, min(cy, boundary_h - 1)),
            max(10, min(width, boundary_w - 1)), max(10, min(height, boundary_h - 1)))


def rpn_box_in_crop(boxes: np.ndarray, best_idx: int, instance_size: int) -> tuple[np.float32, ...]:
    """The chosen anchor box moved to crop pixels (centre + instance_size / 2) and clipped (B4), float32."""
    center = np.float32(instance_size / 2)
    box = boxes[:, best_idx]
    clipped = clip_box(box[0] + center, box[1] + center, box[2], box[3], (instance_size, instance_size))
    return tuple(np.float32(v) for v in clipped)


def refinement_roi(rpn_box: Sequence[np.float32]) -> torch.Tensor:
    """Box-head RoI (1, 5) float32 ``(0, cx - w/2 + 0.5, cy - h/2 + 0.5, cx + w/2 - 0.5, cy + h/2 - 0.5)`` (B5)."""
    cx, cy, w, h = rpn_box
    corners = [cx - w * 0.5 + 0.5, cy - h * 0.5 + 0.5, cx + w * 0.5 - 0.5, cy + h * 0.5 - 0.5]
    return torch.tensor([[0.0] + [float(v) for v in corners]], dtype=torch.float32)


def decode_refinement(raw: np.ndarray, rpn_box: Sequence[np.float32], stds: Sequence[float],
                      means: Sequence[float]) -> np.ndarray:
    """Box-head deltas (4,) float32 -> refined crop box (cx, cy, w, h) float64, relative to the RPN box (B6).

    ``d = raw * stds + means``; ``cx = d0 * w + cx_rpn``, ``cy = d1 * h + cy_rpn``, ``w' = exp(d2) * w``,
    ``h' = exp(d3) * h``, with the clipped RPN box (not the RoI, which is one pixel narrower). A side
    beyond the float64 range is +inf (the overflowing operation is not evaluated).
    """
    delta = raw.astype(np.float32) * np.asarray(stds, dtype=np.float64) + np.asarray(means, dtype=np.float64)
    cx, cy, w, h = (np.float64(v) for v in rpn_box)
    return np.array([delta[0] * w + cx, delta[1] * h + cy, _grown_side(delta[2], w), _grown_side(delta[3], h)])


def _grown_side(delta: np.float64, side: np.float64) -> float:
    """float64 ``exp(delta) * side`` for a side of at least 10 px; +inf where it overflows."""
    if delta > _EXP64_FINITE:
        return float("inf")
    return float(np.exp(delta)) * float(side)  # Python floats: an overflowing product is inf, as in numpy


@dataclass
class CropGeometry:
    """Where a search crop lies in the image: ``crop_box`` [x, y, s_x, s_x] (not floored), scales."""

    crop_box: tuple[float, float, int, int]
    scale_z: float  # crop pixels per image pixel, from the UNROUNDED context size (quirk C3)
    s_x: int  # crop side in image pixels (rounded half to even)


def search_geometry(center: np.ndarray, size: np.ndarray, context_amount: float, exemplar_size: int,
                    instance_size: int) -> CropGeometry:
    """Crop side and scale of ``track()`` (quirk C3): ``s_z = sqrt(w_z h_z)`` unrounded,
    ``scale_z = exemplar / s_z``, ``s_x = round(s_z * instance / exemplar)`` (Python round, half to even)."""
    context = context_amount * np.sum(size)
    s_z = np.sqrt((size[0] + context) * (size[1] + context))
    s_x = round(s_z * (instance_size / exemplar_size))
    crop_box = (center[0] - s_x / 2, center[1] - s_x / 2, s_x, s_x)
    return CropGeometry(crop_box, exemplar_size / s_z, s_x)


def template_crop_side(size: np.ndarray, context_amount: float) -> int:
    """Template crop side in image pixels: ``round(sqrt(w_z h_z))`` (Python round, half to even; C2)."""
    context = context_amount * np.sum(size)
    return round(np.sqrt((size[0] + context) * (size[1] + context)))


def update_state(refined: np.ndarray, geometry: CropGeometry, size: np.ndarray, lr: float,
                 image_hw: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """New centre and size (float64) from the refined crop box (quirks B7, B8).

    The centre jumps to the refined box (no smoothing); the size moves by ``lr`` towards it. The result
    is clipped with ``clip_box`` against the image (size bounded by W-1 / H-1). ``refined`` must be finite;
    a side that becomes +inf in image pixels is clipped like any large one.
    """
    bbox = [float(v) / float(geometry.scale_z) for v in refined]  # Python floats: overflow gives inf, silently
    cx = bbox[0] + geometry.crop_box[0]
    cy = bbox[1] + geometry.crop_box[1]
    width = size[0] * (1 - lr) + bbox[2] * lr
    height = size[1] * (1 - lr) + bbox[3] * lr
    cx, cy, width, height = clip_box(cx, cy, width, height, image_hw)
    return np.array([cx, cy]), np.array([width, height])


def state_box_in_crop(center: np.ndarray, size: np.ndarray, geometry: CropGeometry) -> tuple[float, ...]:
    """The state (cx, cy, w, h) in crop pixels, float64 (quirk M1): ``(c - crop_box) * scale_z``."""
    return ((center[0] - geometry.crop_box[0]) * geometry.scale_z,
            (center[1] - geometry.crop_box[1]) * geometry.scale_z,
            size[0] * geometry.scale_z, size[1] * geometry.scale_z)


def mask_roi(state_in_crop: Sequence[float]) -> torch.Tensor:
    """Mask-head RoI (1, 5) float32 ``(0, cx - w/2, cy - h/2, cx + w/2, cy + h/2)``, no +-0.5 (quirk M1)."""
    cx, cy, w, h = state_in_crop
    return torch.tensor([[0.0, cx - w * 0.5, cy - h * 0.5, cx + w * 0.5, cy + h * 0.5]], dtype=torch.float32)


def mask_to_image(mask: np.ndarray, state_in_crop: Sequence[float], geometry: CropGeometry, instance_size: int,
                  image_hw: Sequence[int]) -> np.ndarray:
    """Warp the (M, M) float32 mask probabilities of the mask RoI into the frame: (H, W) float32 (M2, M3).

    The RoI goes back to the image with ``s = s_x / instance_size`` (not ``1 / scale_z``); the official
    ``_crop_back`` affine map ``x_img = (W-1)/W * (sub_x0 + x_mask * sub_w / M)`` (and likewise in y) is
    applied with ``cv2.warpAffine`` (bilinear, zero outside).
    """
    out_size = mask.shape[0]
    height, width = image_hw
    cx, cy, w, h = state_in_crop
    s = geometry.crop_box[2] / instance_size
    sub_box = (geometry.crop_box[0] + (cx - w / 2) * s, geometry.crop_box[1] + (cy - h / 2) * s, s * w, s * h)
    s_w, s_h = out_size / sub_box[2], out_size / sub_box[3]
    back_box = (-sub_box[0] * s_w, -sub_box[1] * s_h, width * s_w, height * s_h)
    a, b = (width - 1) / back_box[2], (height - 1) / back_box[3]
    mapping = np.array([[a, 0, -a * back_box[0]], [0, b, -b * back_box[1]]], dtype=np.float64)
    return cv2.warpAffine(mask, mapping, (width, height), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def mask_polygon(mask_in_image: np.ndarray, threshold: float, center: np.ndarray, size: np.ndarray,
                 min_area: float = 100.0) -> list[float]:
    """8 floats: the rotated rectangle of the mask, else the axis-aligned state box (quirk M4).

    The mask is thresholded strictly (``> threshold``); of its external contours the first one of largest
    ``cv2.contourArea`` is fitted with ``cv2.minAreaRect`` if that area exceeds ``min_area``, and its
    ``cv2.boxPoints`` (float32, OpenCV corner order) are returned. Otherwise the state box corners
    (x, y), (x+w, y), (x+w, y+h), (x, y+h) with ``x = cx - w/2``.
    """
    binary = (mask_in_image > threshold).astype(np.uint8)
    contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    areas = [cv2.contourArea(contour) for contour in contours]
    if areas and max(areas) > min_area:
        points = contours[int(np.argmax(areas))].reshape(-1, 2)
        return cv2.boxPoints(cv2.minAreaRect(points)).flatten().tolist()
    x, y = center[0] - size[0] / 2, center[1] - size[1] / 2
    return [float(v) for v in (x, y, x + size[0], y, x + size[0], y + size[1], x, y + size[1])]

"""pysot-style template / search crops with the official SiamAttn augmentations (shift, scale, colour,
blur, flip; optional grayscale), cut straight from a full frame.

pysot first stores a 511 x 511 context patch per object (``crop511``: a square of side
``s_x = s_z * 511 / 127`` around the box centre, ``s_z = sqrt((w + p)(h + p))``, ``p = 0.5 (w + h)``,
padded with the frame's mean colour) and then cuts the training crop from that patch
(``pysot/datasets/augmentation.py``):

* the crop box is the ``(size - 1)``-wide square at the patch centre ``511 // 2``; its width and height
  are multiplied by ``1 + U(-1, 1) * scale`` (each capped at ``511 / (size - 1)``), then it is shifted by
  ``U(-1, 1) * shift`` pixels per axis, clamped so it stays inside the patch;
* the target box in the patch is the object's ``w, h`` times ``127 / s_z`` centred at ``511 // 2``
  (``_get_bbox``), then moved and scaled like the crop;
* the crop is the affine warp mapping the crop box corners to ``0`` and ``size - 1``;
* colour: with probability ``color``, subtract ``RGB_VAR @ N(0, I_3)`` (reversed to BGR) from the
  pixels; blur: with probability ``blur``, a random cross-shaped kernel of odd size 5..45; flip: with
  probability ``flip``, mirror the crop and the box (``x -> size - 1 - x``).

Here both warps are composed into one affine map from the full frame (one interpolation instead of two,
same geometry). Images are BGR float32 0..255 (the model input); the colour jitter is not clipped, as
officially. An optional object mask is warped along (bilinear, then > 0.5) and flipped with the crop.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import cv2
import numpy as np

#: pysot's colour-jitter matrix (principal components of RGB pixel colours, scaled by the eigenvalues)
RGB_VAR = np.array([[-0.55919361, 0.98062831, -0.41940627],
                    [1.72091413, 0.19879334, -1.82968581],
                    [4.64467907, 4.73710203, 4.88324118]], dtype=np.float32)
BLUR_KERNEL_SIZES = np.arange(5, 46, 2)


@dataclass(frozen=True)
class CropAugmentation:
    """Shift (pixels), scale (relative), and the probabilities of blur, flip and colour jitter."""

    shift: float = 0.0
    scale: float = 0.0
    blur: float = 0.0
    flip: float = 0.0
    color: float = 0.0

    @classmethod
    def from_config(cls, node: Any) -> "CropAugmentation":
        """From a ``DATA.TEMPLATE`` / ``DATA.SEARCH`` section (SHIFT, SCALE, BLUR, FLIP, COLOR)."""
        return cls(float(node.SHIFT), float(node.SCALE), float(node.BLUR), float(node.FLIP), float(node.COLOR))


@dataclass(frozen=True)
class ContextCrop:
    """Geometry of pysot's context patch: ``exemplar_size`` (127), ``context_amount`` (0.5) and the patch
    side ``patch_size`` (511)."""

    exemplar_size: int = 127
    context_amount: float = 0.5
    patch_size: int = 511


@dataclass
class AugmentedCrop:
    """``image`` (S, S, 3) float32 BGR; ``mask`` (S, S) float32 0/1 or None; ``box`` (4,) float64 xyxy
    target box in crop pixels."""

    image: np.ndarray
    mask: np.ndarray | None
    box: np.ndarray


def _uniform_pm1(rng: np.random.Generator) -> float:
    return float(rng.random()) * 2.0 - 1.0


def patch_geometry(box_xyxy: Sequence[float], context: ContextCrop) -> tuple[float, float, float, float]:
    """(patch origin x, origin y in the frame, frame->patch scale, ``127 / s_z``) of pysot's context patch
    around ``box_xyxy`` (frame pixels). Raises ``ValueError`` for a box without area."""
    x1, y1, x2, y2 = (float(v) for v in box_xyxy)
    w, h = x2 - x1, y2 - y1
    if not (w > 0 and h > 0 and math.isfinite(w + h + x1 + y1)):
        raise ValueError(f"cannot crop around the box {list(box_xyxy)} (needs positive width and height)")
    pad = context.context_amount * (w + h)
    s_z = math.sqrt((w + pad) * (h + pad))
    scale_z = context.exemplar_size / s_z
    s_x = s_z + 2 * ((context.patch_size - context.exemplar_size) / 2 / scale_z)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    return cx - s_x / 2, cy - s_x / 2, (context.patch_size - 1) / s_x, scale_z


def augmented_crop(image: np.ndarray, box_xyxy: Sequence[float], size: int, aug: CropAugmentation,
                   rng: np.random.Generator, mask: np.ndarray | None = None, gray: bool = False,
                   context: ContextCrop = ContextCrop()) -> AugmentedCrop:
    """The ``size`` x ``size`` training crop of the object ``box_xyxy`` of a BGR uint8 frame (H, W, 3)
    (module docstring); ``mask`` (H, W) is the object's mask, if known."""
    origin_x, origin_y, frame_to_patch, scale_z = patch_geometry(box_xyxy, context)
    w = (float(box_xyxy[2]) - float(box_xyxy[0])) * scale_z
    h = (float(box_xyxy[3]) - float(box_xyxy[1])) * scale_z
    centre = context.patch_size // 2
    box = np.array([centre - w / 2, centre - h / 2, centre + w / 2, centre + h / 2])

    crop_w = crop_h = float(size - 1)
    scale_x = scale_y = 1.0
    if aug.scale:
        scale_x = min(1.0 + _uniform_pm1(rng) * aug.scale, context.patch_size / crop_w)
        scale_y = min(1.0 + _uniform_pm1(rng) * aug.scale, context.patch_size / crop_h)
        crop_w, crop_h = crop_w * scale_x, crop_h * scale_y
    cx1, cy1 = centre - crop_w / 2, centre - crop_h / 2
    cx2, cy2 = centre + crop_w / 2, centre + crop_h / 2
    if aug.shift:
        sx, sy = _uniform_pm1(rng) * aug.shift, _uniform_pm1(rng) * aug.shift
        sx = max(-cx1, min(context.patch_size - 1 - cx2, sx))
        sy = max(-cy1, min(context.patch_size - 1 - cy2, sy))
        cx1, cx2, cy1, cy2 = cx1 + sx, cx2 + sx, cy1 + sy, cy2 + sy
    box = (box - np.array([cx1, cy1, cx1, cy1])) / np.array([scale_x, scale_y, scale_x, scale_y])

    # frame -> patch -> crop, one affine map
    ax = (size - 1) / (cx2 - cx1) * frame_to_patch
    ay = (size - 1) / (cy2 - cy1) * frame_to_patch
    matrix = np.array([[ax, 0.0, -ax * origin_x - (size - 1) / (cx2 - cx1) * cx1],
                       [0.0, ay, -ay * origin_y - (size - 1) / (cy2 - cy1) * cy1]])
    mean_colour = tuple(float(v) for v in image.reshape(-1, image.shape[-1]).mean(axis=0))
    crop = cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=mean_colour).astype(np.float32)
    crop_mask = None
    if mask is not None:
        warped = cv2.warpAffine(mask.astype(np.float32), matrix, (size, size), flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)
        crop_mask = (warped > 0.5).astype(np.float32)

    if gray:
        crop = cv2.cvtColor(cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    if aug.color > rng.random():
        offset = (RGB_VAR @ rng.standard_normal(3).astype(np.float32))[::-1]
        crop = crop - offset.astype(np.float32)
    if aug.blur > rng.random():
        crop = cv2.filter2D(crop, -1, blur_kernel(rng))
    if aug.flip and aug.flip > rng.random():
        crop = np.ascontiguousarray(crop[:, ::-1])
        if crop_mask is not None:
            crop_mask = np.ascontiguousarray(crop_mask[:, ::-1])
        box = np.array([size - 1 - box[2], box[1], size - 1 - box[0], box[3]])
    return AugmentedCrop(crop, crop_mask, box)


def blur_kernel(rng: np.random.Generator) -> np.ndarray:
    """pysot's motion-like blur: odd size k in 5..45, centre column weight ``u / k`` and centre row
    ``(1 - u) / k`` (the centre gets both), ``u ~ U[0, 1)``; (k, k) float64 summing to 1."""
    size = int(rng.choice(BLUR_KERNEL_SIZES))
    kernel = np.zeros((size, size))
    middle = size // 2
    weight = float(rng.random())
    kernel[:, middle] += weight / size
    kernel[middle, :] += (1 - weight) / size
    return kernel

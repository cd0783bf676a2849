"""Region overlap exactly as the VOT toolkit (vot-toolkit 0.7.x, ``vot/region/raster.py``) computes it.

Regions are rasterised on the integer pixel grid: rectangle and polygon coordinates are rounded
first (``numpy.round``, half to even), a rectangle ``x, y, w, h`` covers columns ``x .. x+w-1`` and rows
``y .. y+h-1``, a polygon is filled with the toolkit's scan-line rule, a mask is copied at its offset.
The raster spans the union of both regions' bounds, clipped to the image when ``bounds`` (width,
height) is given. Special cases, all from the toolkit:

* union bounds with no extent (left >= right or top >= bottom, e.g. two empty regions): overlap 1;
* clipped bounds with no extent (both regions outside the image): overlap 0;
* an ``ignore`` region removes its pixels from intersection and union;
* empty/special regions have bounds (0, 0, 0, 0), so they pull the union towards the origin.

Masks read from text files or received from trackers are "optimised" by the toolkit
(``vot_results.crop_mask``); masks from binary trajectories are used as stored.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from lib.test.evaluation.vot import MaskRegion, PolygonRegion, RectangleRegion, Region, SpecialRegion

Bounds = tuple[int, int, int, int]  # left, top, right, bottom, all inclusive


def _rounded(region: Region) -> np.ndarray | None:
    """Rectangle (4,) or polygon (K, 2) coordinates as float32 rounded half to even; None for other types."""
    if isinstance(region, RectangleRegion):
        return np.round(np.array([region.x, region.y, region.w, region.h], dtype=np.float32))
    if isinstance(region, PolygonRegion):
        return np.round(region.points.astype(np.float32))
    return None


def region_bounds(region: Region) -> Bounds:
    """Inclusive pixel bounds of a region as the toolkit computes them; (0, 0, 0, 0) for empty/special ones."""
    data = _rounded(region)
    if isinstance(region, RectangleRegion):
        x, y, w, h = (int(v) for v in data)
        return x, y, x + w - 1, y + h - 1
    if isinstance(region, PolygonRegion):
        low, high = data.min(axis=0), data.max(axis=0)
        return int(low[0]), int(low[1]), int(high[0]), int(high[1])
    if isinstance(region, MaskRegion):
        rows, cols = np.flatnonzero(region.mask.any(axis=1)), np.flatnonzero(region.mask.any(axis=0))
        if len(rows) == 0:  # the toolkit's empty mask bounds (0, 0, 0, 0), shifted by the offset
            return region.x0, region.y0, region.x0, region.y0
        return region.x0 + int(cols[0]), region.y0 + int(rows[0]), region.x0 + int(cols[-1]), region.y0 + int(rows[-1])
    return 0, 0, 0, 0


def rasterize(region: Region, bounds: Bounds) -> np.ndarray:
    """Boolean raster (bottom-top+1, right-left+1) of ``region`` over the inclusive pixel ``bounds``."""
    left, top, right, bottom = bounds
    raster = np.zeros((bottom - top + 1, right - left + 1), dtype=bool)
    if isinstance(region, RectangleRegion):
        x, y, w, h = (int(v) for v in _rounded(region))
        if x > right or x + w - 1 < left or y > bottom or y + h - 1 < top:
            return raster
        # the toolkit clips the far edges against the absolute bounds (only matters for negative left/top)
        col0, row0 = max(0, x - left), max(0, y - top)
        col1, row1 = min(right, x + w - 1 - left), min(bottom, y + h - 1 - top)
        raster[row0:row1 + 1, col0:col1 + 1] = True
    elif isinstance(region, PolygonRegion):
        _fill_polygon(raster, _rounded(region) - np.array([left, top], dtype=np.float64))
    elif isinstance(region, MaskRegion):
        h, w = region.mask.shape
        r0, c0 = max(region.y0, top), max(region.x0, left)
        r1, c1 = min(bottom + 1, region.y0 + h), min(right + 1, region.x0 + w)
        if r1 > r0 and c1 > c0:
            raster[r0 - top:r1 - top, c0 - left:c1 - left] = region.mask[r0 - region.y0:r1 - region.y0,
                                                                          c0 - region.x0:c1 - region.x0]
    return raster


def _fill_polygon(raster: np.ndarray, points: np.ndarray) -> None:
    """The toolkit's scan-line fill: per row, edge crossings truncated toward zero, filled pairwise inclusive."""
    height, width = raster.shape
    xs, ys = points[:, 0], points[:, 1]
    xp, yp = np.roll(xs, 1), np.roll(ys, 1)  # the previous vertex closes each edge
    for row in range(height):
        crossing = (((ys <= row) & (yp > row)) | ((yp <= row) & (ys > row)) | ((ys < row) & (yp >= row))
                    | ((yp < row) & (ys >= row)) | ((ys == yp) & (ys == row)))
        dy = yp - ys
        with np.errstate(divide="ignore", invalid="ignore"):
            along = np.where(dy != 0, xs + (row - ys) / dy * (xp - xs), xs)
        nodes = sorted(int(v) for v in np.trunc(along[crossing]))
        i = 0
        while i < len(nodes) - 1:
            if nodes[i] >= width:
                break
            if nodes[i] == nodes[i + 1] and i < len(nodes) - 2:  # a vertex on the row: skip the duplicate
                i += 1
                continue
            if nodes[i + 1] >= 0:
                raster[row, max(nodes[i], 0):min(nodes[i + 1], width - 1) + 1] = True
            i += 2


def region_overlap(first: Region, second: Region, bounds: Optional[tuple[int, int]] = None,
                   ignore: Optional[Region] = None) -> float:
    """Intersection over union of two regions in pixels (toolkit ``calculate_overlap``).

    ``bounds`` = image (width, height) to clip the raster to, or None. ``ignore``: a region whose pixels
    are left out of both counts (an empty/special ``ignore`` is no ignore region).
    """
    b1, b2 = region_bounds(first), region_bounds(second)
    union = (min(b1[0], b2[0]), min(b1[1], b2[1]), max(b1[2], b2[2]), max(b1[3], b2[3]))
    if union[0] >= union[2] or union[1] >= union[3]:
        return 1.0
    if bounds is not None:
        union = (max(0, union[0]), max(0, union[1]), min(bounds[0] - 1, union[2]), min(bounds[1] - 1, union[3]))
        if union[0] >= union[2] or union[1] >= union[3]:
            return 0.0
    m1, m2 = rasterize(first, union), rasterize(second, union)
    keep = np.ones_like(m1)
    if ignore is not None and not isinstance(ignore, SpecialRegion):
        keep = ~rasterize(ignore, union)
    union_px = int(np.count_nonzero((m1 | m2) & keep))
    return int(np.count_nonzero(m1 & m2 & keep)) / union_px if union_px > 0 else 0.0


def is_empty_groundtruth(region: Region) -> bool:
    """Whether the toolkit's multistart analysis treats a ground-truth region as empty (no failure counted).

    Toolkit 0.7.4 quirks kept for parity: a rectangle always counts as empty (its ``is_empty`` returns a
    non-empty tuple, so the failure rule never fires on rectangle ground truth); a polygon is empty when
    its float32 vertices span no width or height; a mask when its last pixel column or row is the patch's
    first (read masks are cropped, so a mask one pixel wide or high counts as empty).
    """
    if isinstance(region, RectangleRegion):
        return True
    if isinstance(region, PolygonRegion):
        points = region.points.astype(np.float32)
        return bool(points[:, 0].min() == points[:, 0].max() or points[:, 1].min() == points[:, 1].max())
    if isinstance(region, MaskRegion):  # bounds inside the stored patch; no pixels gives (0, 0, 0, 0)
        rows, cols = np.flatnonzero(region.mask.any(axis=1)), np.flatnonzero(region.mask.any(axis=0))
        return len(rows) == 0 or cols[-1] == 0 or rows[-1] == 0
    return True

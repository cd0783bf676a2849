"""VOT region overlap against hand-counted pixels (toolkit rules: rounding, image bounds, empties, ignore)."""
import numpy as np
import pytest

from lib.test.analysis.vot_overlap import is_empty_groundtruth, rasterize, region_bounds, region_overlap
from lib.test.evaluation.vot import MaskRegion, PolygonRegion, RectangleRegion, SpecialRegion, parse_region
from lib.test.evaluation.vot_results import toolkit_region


def polygon(*values):
    return PolygonRegion(np.array(values, dtype=np.float64).reshape(-1, 2))


def test_rectangles_count_whole_pixels():
    # 4x4 squares offset by 2: 4 shared pixels of 16 + 16 - 4 = 28.
    assert region_overlap(RectangleRegion(0, 0, 4, 4), RectangleRegion(2, 2, 4, 4)) == pytest.approx(4 / 28)
    assert region_overlap(RectangleRegion(1, 1, 3, 3), RectangleRegion(1, 1, 3, 3)) == 1.0
    assert region_overlap(RectangleRegion(0, 0, 4, 4), RectangleRegion(10, 10, 4, 4)) == 0.0


def test_coordinates_round_half_to_even_before_rasterising():
    # 0.5 -> 0 and 2.5 -> 2 (half to even): the same 2x2 block as (0, 0, 2, 2).
    assert region_overlap(RectangleRegion(0.5, 0, 2.5, 2), RectangleRegion(0, 0, 2, 2)) == 1.0
    # 1.5 -> 2: columns 2..3 against 0..3 -> 4 of 8 pixels.
    assert region_overlap(RectangleRegion(1.5, 0, 2, 2), RectangleRegion(0, 0, 4, 2)) == pytest.approx(0.5)


def test_raster_is_bounded_by_the_image():
    inside_part = RectangleRegion(-2, 0, 4, 2)  # columns -2..1, of which 0..1 are inside
    assert region_overlap(inside_part, RectangleRegion(0, 0, 2, 2), bounds=(10, 10)) == 1.0
    # Unbounded, the toolkit clips right/bottom edges against the absolute bounds (-2..1 here): the raster
    # keeps columns -2..-1 of the first rectangle and none of the second.
    assert region_overlap(inside_part, RectangleRegion(0, 0, 2, 2)) == 0.0
    assert region_overlap(RectangleRegion(2, 0, 4, 2), RectangleRegion(2, 0, 2, 2)) == pytest.approx(0.5)
    assert region_overlap(RectangleRegion(20, 20, 5, 5), RectangleRegion(22, 22, 5, 5), bounds=(10, 10)) == 0.0


def test_empty_and_special_regions():
    assert region_overlap(SpecialRegion(0), SpecialRegion(1)) == 1.0  # both empty
    assert region_overlap(SpecialRegion(1), RectangleRegion(3, 3, 4, 4)) == 0.0
    read_empty_mask = toolkit_region(parse_region("m5,5,3,3,9"))  # read masks are cropped: 0x0 at (0, 0)
    assert region_overlap(read_empty_mask, SpecialRegion(0)) == 1.0
    # an uncropped empty mask (binary files) keeps its offset: union (0,0)..(5,5) has extent, no pixels -> 0
    assert region_overlap(MaskRegion(5, 5, np.zeros((3, 3), dtype=bool)), SpecialRegion(0)) == 0.0
    assert region_bounds(SpecialRegion(2)) == (0, 0, 0, 0)


def test_polygon_scan_line_fill():
    # A right triangle with legs of 4 px: rows hold 5, 4, 3, 2, 1 pixels (edges included).
    raster = rasterize(polygon(0, 0, 4, 0, 0, 4), (0, 0, 5, 5))
    assert raster.sum(axis=1).tolist() == [5, 4, 3, 2, 1, 0]
    # An axis-aligned square polygon with corners 0 and 3 covers the same 16 pixels as rectangle (0, 0, 4, 4).
    assert region_overlap(polygon(0, 0, 3, 0, 3, 3, 0, 3), RectangleRegion(0, 0, 4, 4)) == 1.0
    assert region_overlap(polygon(0, 0, 3, 0, 3, 3, 0, 3), RectangleRegion(2, 0, 4, 4)) == pytest.approx(8 / 24)


def test_mask_against_rectangle():
    # 3x2 patch at (1, 1), runs 0 zeros / 4 ones / 2 zeros: pixels (1,1) (2,1) (3,1) (1,2).
    mask = parse_region("m1,1,3,2,0,4,2")
    assert region_overlap(mask, RectangleRegion(1, 1, 3, 1)) == pytest.approx(3 / 4)
    assert region_overlap(mask, RectangleRegion(1, 1, 1, 2)) == pytest.approx(2 / 4)


def test_ignore_region_drops_its_pixels():
    # Without ignore: 4 shared of 28; ignoring the right half (columns 3..5) keeps columns 0..2 only.
    ignore = RectangleRegion(3, 0, 3, 6)
    overlap = region_overlap(RectangleRegion(0, 0, 4, 4), RectangleRegion(2, 2, 4, 4), ignore=ignore)
    # kept: first square columns 0..2 (12 px), second columns 2 (4 px, rows 2..5); shared column 2 rows 2..3.
    assert overlap == pytest.approx(2 / (12 + 4 - 2))
    assert region_overlap(RectangleRegion(0, 0, 4, 4), RectangleRegion(2, 2, 4, 4),
                          ignore=SpecialRegion(0)) == pytest.approx(4 / 28)


def test_empty_ground_truth_as_the_multistart_analysis_sees_it():
    assert is_empty_groundtruth(RectangleRegion(0, 0, 10, 10))  # toolkit 0.7.4 quirk, kept for parity
    assert not is_empty_groundtruth(polygon(0, 0, 4, 0, 0, 4))
    assert is_empty_groundtruth(polygon(0, 0, 4, 0, 8, 0))
    assert not is_empty_groundtruth(parse_region("m1,1,3,2,0,4,2"))
    assert is_empty_groundtruth(parse_region("m1,1,3,2,0,0,6"))

"""The torch crops (lib/utils/crop_torch.py) against the OpenCV crops of lib/utils/crop.py, on CPU tensors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from lib.utils.crop import crop_pysot_subwindow, crop_search_region
from lib.utils.crop_torch import crop_pysot_subwindow_torch, crop_search_region_torch

# OpenCV's uint8 rounding is not one formula (lib/utils/crop_torch.py): the torch crop may differ from it by
# one grey level, never more. Shrinking crops were bit-identical on all but a few pixels here; strongly
# enlarged ones (a tiny box) differ by one on about 2% of the pixels (OpenCV 5.0).
MAX_GREY_DIFF = 1
MIN_IDENTICAL = 0.97


def _frame(height: int, width: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


SEARCH_CASES = [  # (frame height, width, box xywh, output size)
    ((120, 160), [60.0, 40.0, 30.0, 20.0], 128),     # inside the image, shrinking
    ((120, 160), [0.0, 0.0, 25.0, 30.0], 128),       # at the top-left border: zero padding, mask
    ((120, 160), [140.0, 100.0, 40.0, 40.0], 128),   # partly outside bottom-right (last row/column dropped)
    ((120, 160), [-30.0, 50.0, 20.0, 20.0], 128),    # centre left of the image
    ((120, 160), [70.0, 60.0, 2.0, 3.0], 128),       # tiny box: a crop of a few pixels, enlarged
    ((90, 120), [-200.0, -150.0, 600.0, 500.0], 128),  # huge box: the frame is a small part of the crop
    ((200, 300), [100.0, 60.0, 32.0, 32.0], 64),     # crop of exactly twice the output (OpenCV's area path)
    ((200, 300), [100.0, 60.0, 16.0, 16.0], 64),     # crop of exactly the output size: copied
    ((480, 640), [300.5, 200.25, 61.3, 47.9], 320),  # the official search size, fractional box
]


@pytest.mark.parametrize("shape, box, output_size", SEARCH_CASES)
def test_search_crop_matches_the_opencv_crop(shape, box, output_size):
    frame = _frame(*shape)
    factor = 2.0
    expected = crop_search_region(frame, box, factor, output_size)
    got = crop_search_region_torch(torch.from_numpy(frame), box, factor, output_size)
    assert got.resize_factor == expected.resize_factor
    np.testing.assert_array_equal(got.padding_mask.numpy(), expected.padding_mask)
    diff = np.abs(got.image.numpy().astype(int) - expected.image.astype(int))
    assert diff.max() <= MAX_GREY_DIFF
    assert np.mean(diff == 0) > MIN_IDENTICAL


PYSOT_CASES = [  # (frame height, width, centre, crop size, output size)
    ((120, 160), (80.0, 60.0), 200, 255),     # context larger than the frame, enlarged
    ((120, 160), (3.2, 110.7), 90, 255),      # at the border: channel-mean padding
    ((300, 400), (200.0, 150.0), 255, 255),   # same size: no resize
    ((300, 400), (150.4, 99.6), 510, 255),    # exactly twice: OpenCV's area path
    ((300, 400), (390.0, 10.0), 5, 127),      # tiny crop at the corner
    ((300, 400), (120.0, 140.0), 900, 255),   # huge crop, shrinking
]


@pytest.mark.parametrize("shape, center, crop_size, output_size", PYSOT_CASES)
def test_pysot_crop_matches_the_opencv_crop(shape, center, crop_size, output_size):
    frame = _frame(*shape, seed=1)
    mean = frame.reshape(-1, 3).mean(axis=0)
    expected = crop_pysot_subwindow(frame, center, output_size, crop_size, mean)
    got = crop_pysot_subwindow_torch(torch.from_numpy(frame), center, output_size, crop_size, mean).numpy()
    diff = np.abs(got.astype(int) - expected.astype(int))
    assert diff.max() <= MAX_GREY_DIFF
    assert np.mean(diff == 0) > MIN_IDENTICAL


def test_bad_geometry_is_refused_as_on_the_cpu():
    frame = torch.zeros(10, 10, 3, dtype=torch.uint8)
    with pytest.raises(ValueError, match="non-finite box"):
        crop_search_region_torch(frame, [float("nan"), 0, 1, 1], 2.0, 16)
    with pytest.raises(ValueError, match="crop_size"):
        crop_pysot_subwindow_torch(frame, (5, 5), 16, 0, (0, 0, 0))

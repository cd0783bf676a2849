"""pysot-style crops: the label box must land on the object's pixels under every augmentation."""
from __future__ import annotations

import math

import numpy as np
import pytest

from lib.train.siamattn.augment import CropAugmentation, augmented_crop, blur_kernel

BOX = (100.0, 80.0, 160.0, 120.0)    # x1 y1 x2 y2, 60 x 40


def scene() -> tuple[np.ndarray, np.ndarray]:
    image = np.zeros((240, 320, 3), np.uint8)
    image[80:120, 100:160] = 255
    mask = np.zeros((240, 320), np.float32)
    mask[80:120, 100:160] = 1
    return image, mask


def white_extent(crop: np.ndarray) -> tuple[float, float, float, float]:
    """x1, y1, x2, y2 of the pixels brighter than half (pixel edges)."""
    ys, xs = np.nonzero(crop.mean(axis=2) > 127.5 if crop.ndim == 3 else crop > 0.5)
    return xs.min(), ys.min(), xs.max() + 1, ys.max() + 1


def test_unaugmented_search_crop_centres_the_context_scaled_box():
    image, _ = scene()
    crop = augmented_crop(image, BOX, 255, CropAugmentation(), np.random.default_rng(0))
    s_z = math.sqrt((60 + 50) * (40 + 50))                 # context 0.5 * (w + h) on both sides
    w, h = 60 * 127 / s_z, 40 * 127 / s_z
    assert crop.image.shape == (255, 255, 3) and crop.image.dtype == np.float32
    assert crop.box == pytest.approx([127 - w / 2, 127 - h / 2, 127 + w / 2, 127 + h / 2])
    assert white_extent(crop.image) == pytest.approx(tuple(crop.box), abs=1.5)


@pytest.mark.parametrize("seed", range(6))
def test_label_follows_the_pixels_under_shift_scale_and_flip(seed):
    image, mask = scene()
    aug = CropAugmentation(shift=64, scale=0.18, flip=0.5)
    crop = augmented_crop(image, BOX, 255, aug, np.random.default_rng(seed), mask=mask)
    assert white_extent(crop.image) == pytest.approx(tuple(crop.box), abs=2.0)
    assert white_extent(crop.mask) == pytest.approx(tuple(crop.box), abs=2.0)
    assert set(np.unique(crop.mask)) <= {0.0, 1.0}


def test_template_crop_and_padding_colour():
    image, _ = scene()
    crop = augmented_crop(image, (0.0, 0.0, 60.0, 40.0), 127, CropAugmentation(), np.random.default_rng(0))
    # the object at the image corner: the crop's top-left is padding with the image's mean colour
    # (rounded to uint8 like the frame)
    assert crop.image[0, 0] == pytest.approx(np.round(image.reshape(-1, 3).mean(axis=0)))
    assert crop.box[0] + crop.box[2] == pytest.approx(126)    # centred on the 127 crop's middle pixel


def test_colour_jitter_shifts_every_pixel_by_one_offset():
    image, _ = scene()
    plain = augmented_crop(image, BOX, 127, CropAugmentation(), np.random.default_rng(0))
    jittered = augmented_crop(image, BOX, 127, CropAugmentation(color=1.0), np.random.default_rng(0))
    shift = plain.image - jittered.image
    assert np.allclose(shift, shift[0, 0], atol=1e-3) and np.abs(shift[0, 0]).max() > 0


def test_blur_kernel_is_a_normalized_cross():
    for seed in range(5):
        kernel = blur_kernel(np.random.default_rng(seed))
        size = kernel.shape[0]
        assert kernel.shape == (size, size) and size % 2 == 1 and 5 <= size <= 45
        assert kernel.sum() == pytest.approx(1.0)
        middle = size // 2
        off_cross = kernel.copy()
        off_cross[middle, :] = 0
        off_cross[:, middle] = 0
        assert not off_cross.any()

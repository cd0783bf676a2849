"""Augmentation primitives against hand-computed results."""
from __future__ import annotations

import numpy as np
import torch

from lib.train.aiatrack.transforms import adjust_brightness, flip_crop, flip_frame, sample_proposals, to_grayscale


def test_flip_frame_mirrors_about_w_minus_one():
    image = np.arange(4 * 320 * 3, dtype=np.int64).reshape(4, 320, 3).astype(np.uint8)
    flipped, box = flip_frame(image, torch.tensor([10.0, 5.0, 20.0, 8.0]))
    assert np.array_equal(flipped[:, 0], image[:, 319]) and np.array_equal(flipped[:, 319], image[:, 0])
    assert box.tolist() == [289.0, 5.0, 20.0, 8.0]  # 319 - (10 + 20)


def test_flip_crop_mirrors_normalized_box_and_mask():
    image = np.zeros((4, 8, 3), np.uint8)
    image[:, 0] = 255
    mask = np.zeros((4, 8), bool)
    mask[:, :2] = True
    out_image, out_mask, box = flip_crop(image, mask, torch.tensor([0.125, 0.25, 0.5, 0.5]))
    assert (out_image[:, 7] == 255).all() and (out_image[:, :7] == 0).all()
    assert out_mask[:, 6:].all() and not out_mask[:, :6].any()
    assert box.tolist() == [0.375, 0.25, 0.5, 0.5]  # 1 - (0.125 + 0.5)


def test_brightness_scales_and_clips():
    image = np.array([[[10, 100, 250]]], np.uint8)
    assert adjust_brightness(image, 1.0) is image
    assert np.allclose(adjust_brightness(image, 1.2), [[[12.0, 120.0, 255.0]]])
    assert np.allclose(adjust_brightness(image, 0.8), [[[8.0, 80.0, 200.0]]])


def test_grayscale_has_three_equal_channels():
    image = np.random.default_rng(0).integers(0, 256, (5, 6, 3), dtype=np.uint8)
    gray = to_grayscale(image)
    expected = np.round(image @ np.array([0.299, 0.587, 0.114]))
    assert gray.shape == image.shape and (gray[..., 0] == gray[..., 2]).all()
    assert np.abs(gray[..., 0].astype(float) - expected).max() <= 1


def test_proposals_spread_over_the_sigma_levels():
    box = torch.tensor([0.4, 0.4, 0.2, 0.2])
    proposals, targets = sample_proposals(box, np.random.default_rng(0), count=400)
    assert proposals.shape == (400, 4) and targets.shape == (400,)
    centre_offsets = (proposals[:, :2] + proposals[:, 2:] / 2 - 0.5).abs().max(dim=1).values
    # sigma = 0.2 * factor: the smallest factor (0.03) keeps most proposals within 0.015 of the
    # centre, the largest (0.3) puts many beyond 0.06; each factor is drawn about 80 times
    assert (centre_offsets < 0.015).float().mean() > 0.1 and (centre_offsets > 0.06).float().mean() > 0.1
    assert (targets > -0.8).all() and targets.max() > 0.9

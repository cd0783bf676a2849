import cv2
import numpy as np
import pytest
import torch

from lib.utils.crop import box_in_crop, crop_search_region, normalize_image


def test_crop_inside_image_is_plain_resize_of_window():
    image = np.arange(100 * 120 * 3, dtype=np.uint8).reshape(100, 120, 3)
    region = crop_search_region(image, [40.0, 30.0, 4.0, 4.0], factor=5.0, output_size=20)
    # crop side ceil(sqrt(16) * 5) = 20, origin round(42 - 10) = 32, round(32 - 10) = 22 -> a copy.
    assert region.resize_factor == 1.0
    np.testing.assert_array_equal(region.image, image[22:42, 32:52])
    assert not region.padding_mask.any()


def test_crop_inside_image_with_scaling_equals_resizing_a_copied_window():
    # The inside case resizes a view of the image; it must equal the official route (copy onto a
    # zero canvas, then resize), and the one-pixel-short border rule decides what counts as inside.
    image = np.random.default_rng(0).integers(0, 256, (120, 160, 3), dtype=np.uint8)
    region = crop_search_region(image, [60.0, 40.0, 10.0, 12.0], factor=5.0, output_size=32)
    side = int(np.ceil(np.sqrt(120.0) * 5))  # 55, origin round(65 - 27.5) = 38 (half to even), round(46 - 27.5) = 18
    canvas = np.zeros((side, side, 3), dtype=np.uint8)
    canvas[:] = image[18:18 + side, 38:38 + side]
    np.testing.assert_array_equal(region.image, cv2.resize(canvas, (32, 32)))
    assert region.padding_mask.dtype == bool and not region.padding_mask.any()
    # touching the last column is not inside: that column is never copied and shows up as padding
    edge = crop_search_region(image, [160.0 - 55 + 27.5 - 5, 40.0, 10.0, 12.0], factor=5.0, output_size=55)
    assert edge.padding_mask[:, -1].all() and not edge.padding_mask[:, :-1].any()


def test_crop_pads_with_zeros_and_drops_last_column_at_border():
    image = np.full((50, 50, 3), 200, dtype=np.uint8)
    # side 10, origin x1 = round(45 + 1 - 5) = 41 -> x2 = 51 >= W: right padding 51 - 50 + 1 = 2 columns.
    region = crop_search_region(image, [45.0, 20.0, 2.0, 2.0], factor=5.0, output_size=10)
    assert (region.image[:, :7] == 200).all() and (region.image[:, 8:] == 0).all()
    assert region.padding_mask[:, 8:].all() and not region.padding_mask[:, :7].any()


def test_crop_entirely_outside_image_is_all_padding():
    image = np.full((50, 50, 3), 200, dtype=np.uint8)
    region = crop_search_region(image, [500.0, 500.0, 4.0, 4.0], factor=5.0, output_size=16)
    assert (region.image == 0).all() and region.padding_mask.all()


def test_crop_uses_bankers_rounding(step_fixture):
    step = step_fixture["first_step"]
    frame = step_fixture["video_A_frames_0_to_5_rgb_uint8"][0].numpy()
    box = step["inputs"]["init_bbox_xywh"].tolist()
    region = crop_search_region(frame, box, 5.0, 320)
    np.testing.assert_array_equal(region.image, step["reference"]["crop_uint8_hwc"].numpy())
    np.testing.assert_array_equal(region.padding_mask, step["reference"]["att_mask_320"].numpy())
    assert region.resize_factor == step["reference"]["resize_factor"]
    torch.testing.assert_close(normalize_image(step["search"]["crop_uint8_hwc"].numpy(), (0.485, 0.456, 0.406),
                                               (0.229, 0.224, 0.225)), step["search"]["img_norm"], rtol=0, atol=0)


def test_box_in_crop_places_centre_at_half_pixel_convention():
    box = torch.tensor([10.0, 10.0, 20.0, 20.0])
    out = box_in_crop(box, box, resize_factor=2.0, output_size=100, normalize=False)
    # centre (99 / 2) = 49.5, size 40 -> top-left 29.5
    assert out.tolist() == pytest.approx([29.5, 29.5, 40.0, 40.0])

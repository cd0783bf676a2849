import torch

from lib.utils.box_ops import (box_cxcywh_to_xyxy, box_xywh_to_xyxy, box_xyxy_to_cxcywh, box_xyxy_to_xywh,
                               clip_box_xywh)


def test_conversions_round_trip_on_hand_computed_box():
    xywh = torch.tensor([10.0, 20.0, 30.0, 40.0])
    xyxy = box_xywh_to_xyxy(xywh)
    assert xyxy.tolist() == [10.0, 20.0, 40.0, 60.0]
    assert box_xyxy_to_cxcywh(xyxy).tolist() == [25.0, 40.0, 30.0, 40.0]
    assert box_cxcywh_to_xyxy(torch.tensor([25.0, 40.0, 30.0, 40.0])).tolist() == xyxy.tolist()
    assert box_xyxy_to_xywh(xyxy).tolist() == xywh.tolist()


def test_clip_box_keeps_margin_inside_image():
    # Box leaving to the right: x1 clamped to W - 10, x2 to W, width falls back to the margin.
    assert clip_box_xywh([630.0, 5.0, 40.0, 20.0], height=480, width=640, margin=10) == [630.0, 5.0, 10, 20.0]
    # Box left of the image: x1 -> 0, x2 = max(10, -50 + 30) = 10.
    assert clip_box_xywh([-50.0, 5.0, 30.0, 20.0], height=480, width=640, margin=10) == [0, 5.0, 10, 20.0]


def test_region_map_rounds_each_coordinate_separately(step_fixture):
    from lib.utils.box_ops import box_to_region_map

    # 20 * b = (7.640, 8.256, 4.658, 3.425) -> (8, 8, 5, 3): rows 8..10, cols 8..12.
    box = step_fixture["first_step"]["reference"]["transform_image_to_crop_out_refer_box_norm"]
    region = box_to_region_map(box, 20)
    expected = torch.zeros(20, 20)
    expected[8:11, 8:13] = 1
    assert torch.equal(region, expected)
    assert torch.equal(region, step_fixture["first_step"]["reference"]["target_region_20x20"])


def test_region_map_is_empty_for_negative_size_and_clipped_at_border():
    from lib.utils.box_ops import box_to_region_map

    assert box_to_region_map(torch.tensor([0.5, 0.5, -0.2, 0.3]), 10).sum() == 0
    region = box_to_region_map(torch.tensor([[-0.1, 0.85, 0.3, 0.5]]), 10)
    assert region.shape == (1, 10, 10)
    assert region[0, 8:, :2].all() and region.sum() == 4  # rows 8..9 (clipped), cols 0..1

"""SiamAttn tracker stages against the official step fixture (no network: stored network outputs feed each stage)."""
from __future__ import annotations

import hashlib
import math

import numpy as np
import pytest
import torch

from lib.models.siamattn import crop_anchors
from lib.test.tracker.siamattn import post
from lib.utils.crop import crop_pysot_subwindow

VOT2018 = {"penalty_k": 0.10, "window_influence": 0.25, "lr": 0.45}
STEPS = ["step1", "step2"]


def _np(value) -> np.ndarray:
    return value.numpy() if isinstance(value, torch.Tensor) else np.asarray(value)


@pytest.fixture(scope="module")
def frames_bgr(tracker_fixture, siamattn_step) -> np.ndarray:
    """Frames 0-2 of video A in BGR, checked against the hashes the SiamAttn fixture recorded."""
    video = tracker_fixture["video_rgb_uint8"][:3].numpy()
    for frame, expected in zip(video, siamattn_step["video"]["frames_0_1_2_sha256"]):
        assert hashlib.sha256(np.ascontiguousarray(frame).tobytes()).hexdigest() == expected
    return np.ascontiguousarray(video[..., ::-1])


def _geometry(step: dict) -> post.CropGeometry:
    geo = step["track_geometry"]
    return post.CropGeometry(tuple(float(v) for v in geo["crop_box"]), float(geo["scale_z"]), geo["s_x"])


# ------------------------------------------------------------------ initialisation and crops (C1-C6)

@pytest.mark.reference
def test_vot_style_initial_state(siamattn_step, siamattn_run):
    init = siamattn_step["init"]
    box = post.official_init_box(siamattn_run["init_bbox_xywh"].tolist(), vot_style=True)
    assert box == init["init_bbox_xywh_get_axis_aligned"] == [27.0, 116.25, 51.0, 37.5]
    center, size = post.initial_state(box)
    assert center.tolist() == init["center_pos"].tolist() == [52.0, 134.5]  # x + (w-1)/2 (C1)
    assert size.tolist() == init["size"].tolist()
    assert post.template_crop_side(size, 0.5) == init["s_z"] == 88


def test_initial_state_ope_and_rotated_polygon():
    box = post.official_init_box([10, 20, 30, 40], vot_style=False)
    assert box == [10.5, 20.5, 30.0, 40.0]  # pysot OPE: centre x + w/2, then init's x + (w-1)/2
    assert post.initial_state(box)[0].tolist() == [25.0, 40.0]
    # A diamond of diagonal 20 around (10, 10): area 200 over a 20x20 bounding box -> s = sqrt(1/2).
    side = 20 / math.sqrt(2) + 1
    box = post.official_init_box([10, 0, 20, 10, 10, 20, 0, 10], vot_style=True)
    assert box == pytest.approx([10 - (side - 1) / 2] * 2 + [side] * 2, abs=1e-12)
    assert post.initial_state(box)[0] == pytest.approx([10.0, 10.0], abs=1e-12)
    with pytest.raises(ValueError, match="initial box"):
        post.official_init_box([1, 2, 3], vot_style=True)
    with pytest.raises(ValueError, match="initial box"):
        post.official_init_box([10, 0, 20, 10, 10, 20, 0, 10], vot_style=False)


@pytest.mark.reference
def test_template_crop_and_channel_mean(siamattn_step, frames_bgr):
    init = siamattn_step["init"]
    mean = np.mean(frames_bgr[0], axis=(0, 1))
    assert mean.tolist() == init["channel_average_bgr"].tolist()
    patch = crop_pysot_subwindow(frames_bgr[0], init["center_pos"].numpy(), 127, init["s_z"], mean)
    assert patch.dtype == np.uint8
    np.testing.assert_array_equal(patch.transpose(2, 0, 1), init["z_crop_uint8"][0].numpy())


@pytest.mark.reference
@pytest.mark.parametrize("name", STEPS)
def test_search_geometry_and_padded_crop(siamattn_step, frames_bgr, name):
    step, init = siamattn_step[name], siamattn_step["init"]
    before = step["state_before"]
    geometry = post.search_geometry(before["center_pos"].numpy(), before["size"].numpy(), 0.5, 127, 255)
    expected = _geometry(step)
    assert geometry.s_x == expected.s_x and geometry.scale_z == expected.scale_z
    assert geometry.crop_box == expected.crop_box
    patch = crop_pysot_subwindow(frames_bgr[step["frame_index"]], before["center_pos"].numpy(), 255, geometry.s_x,
                                 init["channel_average_bgr"].numpy())
    np.testing.assert_array_equal(patch.transpose(2, 0, 1), step["x_crop_uint8"][0].numpy())


def test_crop_places_pixels_and_truncated_mean_by_hand():
    image = np.arange(5 * 6 * 3, dtype=np.uint8).reshape(5, 6, 3)
    # centre (0.5, 4.0), side 4: origin floor(0.5 - 2.5 + 0.5) = -2, floor(4 - 2.5 + 0.5) = 2 -> rows 2..5, cols -2..1
    patch = crop_pysot_subwindow(image, (0.5, 4.0), 4, 4, (7.9, 200.99, 0.5))
    fill = np.array([7, 200, 0], dtype=np.uint8)
    np.testing.assert_array_equal(patch[:3, 2:], image[2:5, 0:2])
    np.testing.assert_array_equal(patch[:, :2], np.broadcast_to(fill, (4, 2, 3)))
    np.testing.assert_array_equal(patch[3], np.broadcast_to(fill, (4, 3)))
    # no resize when the side already matches; a resize to another size goes through OpenCV on uint8
    assert crop_pysot_subwindow(image, (2.5, 2.5), 2, 5, (0, 0, 0)).shape == (2, 2, 3)
    with pytest.raises(ValueError, match="non-finite"):
        crop_pysot_subwindow(image, (float("nan"), 1.0), 4, 4, (0, 0, 0))


# ------------------------------------------------------------------ anchors, scores, selection (R3-R5, B1-B3)

@pytest.mark.reference
def test_anchors_and_window(siamattn_step):
    constants = siamattn_step["constants"]
    size = post.score_map_size(255, 127, 8, 8)
    assert size == constants["score_size"] == 25
    anchors = crop_anchors(8, [0.33, 0.5, 1, 2, 3], [8], size).numpy()
    assert anchors.dtype == np.float32
    np.testing.assert_array_equal(anchors, constants["anchors_cxcywh_crop_centered"].numpy())
    assert anchors[0].tolist() == [-96, -96, 104, 32] and anchors[625 + 26].tolist() == [-88, -88, 88, 40]
    window = post.cosine_window(size, 5)
    np.testing.assert_array_equal(window, constants["window"].numpy())


@pytest.mark.reference
@pytest.mark.parametrize("name", STEPS)
def test_scores_and_decoded_boxes(siamattn_step, name):
    step, constants = siamattn_step[name], siamattn_step["constants"]
    score = post.foreground_scores(step["net"]["rpn"]["cls"])
    boxes = post.decode_anchor_boxes(step["net"]["rpn"]["loc"], constants["anchors_cxcywh_crop_centered"].numpy())
    assert score.dtype == np.float32 and boxes.dtype == np.float32
    np.testing.assert_allclose(score, step["post"]["score"].numpy(), rtol=0, atol=1e-7)
    np.testing.assert_allclose(boxes, step["post"]["pred_bbox"].numpy(), rtol=1e-6, atol=1e-5)


@pytest.mark.reference
@pytest.mark.parametrize("name", STEPS)
def test_penalty_window_and_argmax(siamattn_step, name):
    step = siamattn_step[name]
    stored = step["post"]
    selection = post.select_box(stored["score"].numpy(), stored["pred_bbox"].numpy(),
                                step["state_before"]["size"].numpy(), float(step["track_geometry"]["scale_z"]),
                                siamattn_step["constants"]["window"].numpy(), VOT2018["penalty_k"],
                                VOT2018["window_influence"])
    assert selection.penalty.dtype == np.float64 and selection.pscore.dtype == np.float64  # N1
    np.testing.assert_allclose(selection.penalty, stored["penalty"].numpy(), rtol=1e-15, atol=0)
    np.testing.assert_allclose(selection.pscore, stored["pscore"].numpy(), rtol=1e-15, atol=0)
    assert selection.best_idx == int(stored["best_idx"])


def test_argmax_takes_the_first_maximum():
    score = np.array([0.5, 0.9, 0.9], dtype=np.float32)
    boxes = np.tile(np.array([[0], [0], [20], [20]], dtype=np.float32), (1, 3))
    selection = post.select_box(score, boxes, np.array([20.0, 20.0]), 1.0, np.zeros(3), 0.1, 0.25)
    assert selection.best_idx == 1 and selection.penalty.tolist() == [1.0, 1.0, 1.0]


# ------------------------------------------------------------------ RPN box, refinement, state (B4-B8)

@pytest.mark.reference
@pytest.mark.parametrize("name", STEPS)
def test_rpn_box_roi_refinement_and_state_update(siamattn_step, name):
    step = siamattn_step[name]
    stored = step["post"]
    rpn_box = post.rpn_box_in_crop(stored["pred_bbox"].numpy(), int(stored["best_idx"]), 255)
    assert [float(v) for v in rpn_box] == [float(stored[k]) for k in ("rpn_cx", "rpn_cy", "rpn_width", "rpn_height")]
    roi = post.refinement_roi(rpn_box)
    assert roi.dtype == torch.float32
    torch.testing.assert_close(roi, stored["rpn_roi"], rtol=0, atol=0)
    assert torch.equal(roi, step["net"]["heads"]["bbox_roi_in"].cpu())

    refined = post.decode_refinement(stored["pb_bbox_raw"][0].numpy(), rpn_box, [0.1, 0.1, 0.2, 0.2], [0, 0, 0, 0])
    np.testing.assert_array_equal(refined, stored["pb_bbox_decoded_crop_cxcywh"].numpy())

    selection = post.Selection(stored["penalty"].numpy(), stored["pscore"].numpy(), int(stored["best_idx"]))
    lr = post.size_update_rate(selection, stored["score"].numpy(), 0.45)
    assert lr.dtype == np.float64 and lr == stored["lr"].item()
    before = step["state_before"]
    center, size = post.update_state(refined, _geometry(step), before["size"].numpy(), lr, (360, 480))
    assert center.tolist() == step["state_after"]["center_pos"].tolist()
    assert size.tolist() == step["state_after"]["size"].tolist()
    returned = step["returned"]["bbox"]
    xywh = [center[0] - size[0] / 2, center[1] - size[1] / 2, size[0], size[1]]
    assert xywh == [float(v) for v in returned]


def test_clip_bounds_by_hand():
    # centre to [0, W-1] x [0, H-1], size to [10, W-1] x [10, H-1] with (H, W) = (360, 480)
    assert post.clip_box(-3.0, 400.0, 5.0, 900.0, (360, 480)) == (0, 359, 10, 359)
    assert post.clip_box(500.0, 10.5, 600.0, 20.0, (360, 480)) == (479, 10.5, 479, 20.0)
    rpn = post.rpn_box_in_crop(np.array([[140.0], [-130.0], [4.0], [300.0]], dtype=np.float32), 0, 255)
    assert [float(v) for v in rpn] == [254.0, 0.0, 10.0, 254.0]
    assert post.refinement_roi(rpn).tolist() == [[0.0, 249.5, -126.5, 258.5, 126.5]]


# ------------------------------------------------------------------ mask (M1-M4)

@pytest.mark.reference
@pytest.mark.parametrize("name", STEPS)
def test_mask_roi_back_projection_and_polygon(siamattn_step, name):
    step = siamattn_step[name]
    stored = step["post"]
    after = step["state_after"]
    geometry = _geometry(step)
    in_crop = post.state_box_in_crop(after["center_pos"].numpy(), after["size"].numpy(), geometry)
    assert list(in_crop) == [float(stored[k]) for k in ("pb_cx", "pb_cy", "pb_width", "pb_height")]
    torch.testing.assert_close(post.mask_roi(in_crop), stored["bbox_roi"], rtol=0, atol=0)
    mask_in_image = post.mask_to_image(stored["mask"].numpy(), in_crop, geometry, 255, (360, 480))
    assert mask_in_image.dtype == np.float32
    np.testing.assert_allclose(mask_in_image, stored["mask_in_img"].numpy(), rtol=0, atol=1e-6)
    polygon = post.mask_polygon(mask_in_image, 0.2, after["center_pos"].numpy(), after["size"].numpy())
    assert polygon == [float(v) for v in stored["polygon"]]


@pytest.mark.reference
def test_mask_back_projection_over_the_whole_video(siamattn_run):
    """M1-M4 from the stored per-frame state and mask reproduce every polygon and mask area."""
    for t in range(1, siamattn_run["best_idx"].shape[0]):
        geometry = post.CropGeometry(tuple(siamattn_run["crop_box"][t].tolist()), float(siamattn_run["scale_z"][t]),
                                     int(siamattn_run["s_x"][t]))
        center, size = siamattn_run["center_pos_after"][t].numpy(), siamattn_run["size_after"][t].numpy()
        in_crop = post.state_box_in_crop(center, size, geometry)
        roi = post.mask_roi(in_crop)[0, 1:].double()
        torch.testing.assert_close(roi, siamattn_run["bbox_roi_x1y1x2y2"][t], rtol=0, atol=0)
        mask_in_image = post.mask_to_image(siamattn_run["mask_prob_64"][t].numpy(), in_crop, geometry, 255, (360, 480))
        assert int((mask_in_image > 0.2).sum()) == int(siamattn_run["mask_area_px"][t]), t
        polygon = post.mask_polygon(mask_in_image, 0.2, center, size)
        assert polygon == siamattn_run["polygon"][t].tolist(), t


@pytest.mark.reference
def test_polygon_probes(siamattn_step):
    probes = siamattn_step["mask_post_processing_probes"]
    center, size = probes["state_used_center_pos"].numpy(), probes["state_used_size"].numpy()
    empty = np.zeros((360, 480), dtype=np.float32)
    assert post.mask_polygon(empty, 0.2, center, size) == probes["empty_mask_polygon"]
    small = empty.copy()
    small[50:58, 300:312] = 0.9  # 8 x 12 pixels: contour area 7 * 11 = 77 <= 100
    assert post.mask_polygon(small, 0.2, center, size) == probes["small_mask_8x12_polygon"]
    two = empty.copy()
    two[100:120, 200:230] = 0.9
    two[10:12, 10:12] = 0.9
    assert post.mask_polygon(two, 0.2, center, size) == probes["two_blobs_20x30_and_2x2_polygon"]
    at_threshold = empty.copy()
    at_threshold[100:120, 200:230] = 0.2  # strictly greater than the threshold is needed
    assert post.mask_polygon(at_threshold, 0.2, center, size) == probes["empty_mask_polygon"]


# ------------------------------------------------------------------ broken network outputs: no overflow arithmetic

def _official_sides(delta: np.ndarray, sides: np.ndarray) -> np.ndarray:
    """pysot's ``np.exp(delta) * sides`` in float32, overflowing as it does (the reference, warnings off)."""
    with np.errstate(over="ignore"):
        return np.exp(delta) * sides


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_huge_anchor_deltas_give_inf_sides_and_the_official_finite_ones():
    dw = np.array([0.5, -3.0, 80.0, 84.0, 88.71, 89.0, 1e4, -1e4, np.nan], dtype=np.float32)
    anchors = np.zeros((dw.size, 4), dtype=np.float32)
    anchors[:, 0], anchors[:, 1] = 5.0, -7.0
    anchors[:, 2], anchors[:, 3] = 104.0, 32.0
    loc = torch.zeros(1, 4, 1, dw.size)
    loc[0, 2, 0], loc[0, 3, 0] = torch.from_numpy(dw), torch.from_numpy(dw)
    boxes = post.decode_anchor_boxes(loc, anchors)
    assert boxes.dtype == np.float32
    for row, side in ((2, 104.0), (3, 32.0)):
        expected = _official_sides(dw, np.float32(side))
        np.testing.assert_array_equal(boxes[row], expected)  # bit for bit, inf and NaN where they were
    # exp(84) * 104 = 3.1e38 still fits float32; exp(84) * 32 too; exp(88.71) fits but not times 32 or 104
    assert np.isfinite(boxes[2, :4]).all() and np.isinf(boxes[2:, 4:7]).all() and (boxes[2:, 7] == 0).all()


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("penalty_k, limit", [(0.1, 0.0), (0.0, 1.0)])
def test_degenerate_anchor_boxes_get_the_penalty_limit(penalty_k, limit):
    # one ordinary box, then sides that are infinite, zero, NaN, beyond MAX_SIDE or below MIN_SIDE
    widths = np.array([30, np.inf, 0, 30, np.nan, 1e20, 1e-20, np.inf], dtype=np.float32)
    heights = np.array([40, 40, 40, 0, 40, 40, 40, np.inf], dtype=np.float32)
    boxes = np.stack([np.zeros(8), np.zeros(8), widths, heights]).astype(np.float32)
    score = np.full(8, 0.9, dtype=np.float32)
    window = np.array([0.5, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9])
    selection = post.select_box(score, boxes, np.array([30.0, 40.0]), 1.0, window, penalty_k, 0.25)
    assert selection.penalty[0] == pytest.approx(1.0, abs=1e-8)  # same size and aspect ratio (float32 sides)
    assert selection.penalty[1:].tolist() == [limit] * 7
    assert np.isfinite(selection.pscore).all()
    np.testing.assert_array_equal(selection.pscore, selection.penalty * score * 0.75 + window * 0.25)
    # penalised to 0, a degenerate box has only its window term; without any penalty (k = 0) the window decides
    assert selection.best_idx == (0 if penalty_k else 1)


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_huge_refinement_deltas_keep_the_state_finite():
    rpn_box = tuple(np.float32(v) for v in (120.0, 130.0, 40.0, 50.0))
    refined = post.decode_refinement(np.array([0.0, 0.0, 1e4, 3540.0], dtype=np.float32), rpn_box,
                                     [0.1, 0.1, 0.2, 0.2], [0, 0, 0, 0])
    # d3 = 708: exp(708) * 50 = 1.5e309 overflows float64 as the product does in pysot
    assert refined[:2].tolist() == [120.0, 130.0] and np.isinf(refined[2:]).all()
    finite = post.decode_refinement(np.array([0.0, 0.0, 3520.0, 1.0], dtype=np.float32), rpn_box,
                                    [0.1, 0.1, 0.2, 0.2], [0, 0, 0, 0])
    assert finite[2] == np.exp(np.float64(np.float32(3520.0)) * 0.2) * 40.0 and np.isfinite(finite[2])
    # a finite refined side near the float64 limit becomes inf in image pixels: clipped to W-1 / H-1
    geometry = post.CropGeometry((10.0, 20.0, 400, 400), 0.25, 400)
    center, size = post.update_state(np.array([100.0, 100.0, 1.7e308, 30.0]), geometry, np.array([50.0, 60.0]),
                                     0.5, (360, 480))
    assert center.tolist() == [410.0, 359] and size.tolist() == [479, 90.0]  # cy 420 clipped to H-1 too


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_vot_region_without_area_is_refused():
    with pytest.raises(ValueError, match="init_bbox must enclose an area"):
        post.official_init_box([5, 5, 5, 10, 5, 15, 5, 10], vot_style=True)

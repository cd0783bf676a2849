"""Training-sample processing: crop geometry, jitter, region maps, masks, proposals, rejection."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from lib.train.aiatrack import AiATrackProcessing, Augmentation
from lib.train.aiatrack.transforms import jitter_box
from lib.utils.box_ops import box_to_region_map
from lib.utils.crop import crop_search_region, normalize_image

MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
KEYS = {"reference_images", "reference_masks", "reference_regions", "search_image", "search_mask", "search_box",
        "proposals", "proposal_iou_targets"}


def scene(box=(100, 80, 40, 30), height=240, width=320, seed=0) -> np.ndarray:
    """Random grey-level clutter with a red rectangle on ``box``."""
    frame = np.random.default_rng(seed).integers(0, 120, size=(height, width, 3), dtype=np.uint8)
    x, y, w, h = box
    frame[y:y + h, x:x + w] = (230, 20, 20)
    return frame


def processing(**kwargs) -> AiATrackProcessing:
    kwargs.setdefault("augmentation", Augmentation.disabled())
    return AiATrackProcessing(**kwargs)


def normalized(crop: np.ndarray) -> torch.Tensor:
    return normalize_image(crop, MEAN, STD)[0]


def test_sample_dict_shapes_and_types():
    box = torch.tensor([100.0, 80.0, 40.0, 30.0])
    frame = scene()
    sample = AiATrackProcessing()([frame, frame], torch.stack([box, box]), frame, box, np.random.default_rng(0))
    assert set(sample) == KEYS
    shapes = {k: tuple(v.shape) for k, v in sample.items()}
    assert shapes == {"reference_images": (2, 3, 320, 320), "reference_masks": (2, 320, 320),
                      "reference_regions": (2, 20, 20), "search_image": (3, 320, 320), "search_mask": (320, 320),
                      "search_box": (4,), "proposals": (16, 4), "proposal_iou_targets": (16,)}
    assert sample["reference_masks"].dtype == sample["search_mask"].dtype == torch.bool
    assert all(sample[k].dtype == torch.float32 for k in KEYS - {"reference_masks", "search_mask"})


def test_long_term_reference_is_not_jittered():
    # Box (100, 80, 40, 30): crop side ceil(sqrt(1200) * 5) = ceil(173.2) = 174, scale 320/174; the
    # box centre lands on pixel 159.5 (Q20): x = (159.5 - 20 * 320/174) / 320 = 0.38349, w = 40/174 = 0.22989,
    # y = (159.5 - 15 * 320/174) / 320 = 0.41223, h = 30/174 = 0.17241. At 20x20: round(7.67, 4.60, 8.24, 3.45)
    # = (8, 5, 8, 3) -> rows 8..10, columns 8..12.
    box = torch.tensor([100.0, 80.0, 40.0, 30.0])
    frame = scene()
    proc = processing(center_jitter=4.5, scale_jitter=0.5)  # search / short-term jitter on
    for seed in range(5):
        sample = proc([frame, frame], torch.stack([box, box]), frame, box, np.random.default_rng(seed))
        expected_crop = crop_search_region(frame, box.tolist(), 5.0, 320)
        assert torch.equal(sample["reference_images"][0], normalized(expected_crop.image))
        assert torch.equal(sample["reference_masks"][0], torch.from_numpy(expected_crop.padding_mask))
        region = torch.zeros(20, 20)
        region[8:11, 8:13] = 1
        assert torch.equal(sample["reference_regions"][0], region)
        assert not torch.equal(sample["reference_images"][1], sample["reference_images"][0])  # short-term jittered


def test_jitter_formula_by_hand():
    # w, h scaled by exp(+-2 ln2 * 0.5) = 2, 1/2 -> (80, 20); sqrt(80 * 20) = 40; centre moved by
    # (u - 0.5) * 40 * 4.5 = (0.1, -0.2) * 180 = (18, -36) from (120, 120) -> (138, 84).
    box = torch.tensor([100.0, 100.0, 40.0, 40.0])
    jittered = jitter_box(box, np.array([2 * math.log(2), -2 * math.log(2)]), np.array([0.6, 0.3]), 4.5, 0.5)
    assert torch.allclose(jittered, torch.tensor([98.0, 74.0, 80.0, 20.0]), atol=1e-4)
    unjittered = jitter_box(box, np.array([1.3, -0.7]), np.array([0.9, 0.1]), 0.0, 0.0)
    assert torch.allclose(unjittered, box)


def test_search_box_in_jittered_crop_by_hand():
    # Crop box (98, 74, 80, 20): side ceil(40 * 5) = 200, scale 1.6, crop centre (138, 84). GT centre
    # (120, 120) -> 159.5 + (-18, 36) * 1.6 = (130.7, 217.1); size 64 x 64 -> xywh (98.7, 185.1, 64, 64) / 320.
    box = torch.tensor([100.0, 100.0, 40.0, 40.0])
    crop_box = torch.tensor([98.0, 74.0, 80.0, 20.0])
    frame = scene((100, 100, 40, 40))
    crop = processing().crop_frame(frame, box, crop_box)
    expected = torch.tensor([98.7, 185.1, 64.0, 64.0]) / 320
    assert torch.allclose(crop.box, expected, atol=1e-6)
    reference = crop_search_region(frame, [98, 74, 80, 20], 5.0, 320)
    assert torch.equal(crop.image, normalized(reference.image))
    # the red target sits where the box says: crop pixels well inside it are red
    red = normalized(np.full((1, 1, 3), (230, 20, 20), np.uint8))[:, 0, 0]
    assert torch.allclose(crop.image[:, 217, 130], red, atol=0.05)
    assert torch.allclose(crop.image[:, 190, 101], red, atol=0.05)
    assert not torch.allclose(crop.image[:, 180, 101], red, atol=0.3)  # just above the target


def test_reference_regions_are_region_maps_of_the_crop_boxes():
    boxes = torch.tensor([[60.0, 50.0, 33.0, 47.0], [150.0, 90.0, 70.0, 25.0], [120.0, 100.0, 40.0, 40.0]])
    frame = scene()
    for flip in (False, True):
        proc = processing(center_jitter=0.0, scale_jitter=0.0,
                          augmentation=Augmentation(0.0, 0.0, 0.0, 1.0 if flip else 0.0))
        sample = proc([frame, frame], boxes[:2], frame, boxes[2], np.random.default_rng(1))
        for i in range(2):
            w, h = boxes[i, 2].item(), boxes[i, 3].item()
            scale = 320 / math.ceil(math.sqrt(w * h) * 5)
            crop_box = torch.tensor([159.5 - w * scale / 2, 159.5 - h * scale / 2, w * scale, h * scale]) / 320
            if flip:
                crop_box[0] = 1 - crop_box[0] - crop_box[2]
            assert torch.equal(sample["reference_regions"][i], box_to_region_map(crop_box, 20))
        if flip:  # crop flipped: image and mask mirrored
            plain = crop_search_region(frame, boxes[1].tolist(), 5.0, 320)
            assert torch.equal(sample["reference_images"][1], normalized(plain.image).flip(-1))
            assert torch.equal(sample["reference_masks"][1], torch.from_numpy(plain.padding_mask).flip(-1))


def test_masks_mark_padding():
    # Box (0, 0, 40, 40) in a 240x320 frame: crop side 200 starting at (-80, -80), so the first 80
    # crop columns/rows are padding = the first 128 of 320; nothing is padded right of or below the
    # image (the crop ends at 120 < 240).
    box = torch.tensor([0.0, 0.0, 40.0, 40.0])
    frame = scene((0, 0, 40, 40))
    sample = processing(center_jitter=0.0, scale_jitter=0.0)([frame, frame], torch.stack([box, box]), frame, box, np.random.default_rng(0))
    mask, image = sample["search_mask"], sample["search_image"]
    assert mask[:, :128].all() and mask[:128, :].all()
    assert not mask[130:, 130:].any()
    padded_value = normalized(np.zeros((1, 1, 3), np.uint8))[:, 0, 0]
    assert torch.equal(image[:, 50, 200], padded_value) and torch.equal(image[:, 200, 50], padded_value)
    assert torch.equal(sample["reference_masks"][0], mask)


def test_proposals_overlap_and_targets():
    frame = scene(seed=3)
    proc = processing(center_jitter=4.5, scale_jitter=0.5)
    boxes = [(100, 80, 40, 30), (30, 40, 120, 18), (150, 20, 16, 90)]
    for seed, (x, y, w, h) in enumerate(boxes * 4):
        box = torch.tensor([x, y, w, h], dtype=torch.float32)
        sample = proc([frame, frame], torch.stack([box, box]), frame, box, np.random.default_rng(seed))
        gx, gy, gw, gh = sample["search_box"].tolist()
        for (px, py, pw, ph), target in zip(sample["proposals"].tolist(), sample["proposal_iou_targets"].tolist()):
            inter = max(0.0, min(gx + gw, px + pw) - max(gx, px)) * max(0.0, min(gy + gh, py + ph) - max(gy, py))
            iou = inter / (gw * gh + pw * ph - inter)
            assert iou > 0.1 and pw > 0 and ph > 0
            assert target == pytest.approx(2 * iou - 1, abs=1e-5)
        assert sample["proposal_iou_targets"].std() > 0.01  # perturbations of different strength


def test_grayscale_and_frame_flip():
    box = torch.tensor([100.0, 80.0, 40.0, 30.0])
    frame = scene()
    proc = processing(augmentation=Augmentation(1.0, 1.0, 0.0, 0.0))
    sample = proc([frame, frame], torch.stack([box, box]), frame, box, np.random.default_rng(0))
    pixels = sample["search_image"] * torch.tensor(STD)[:, None, None] + torch.tensor(MEAN)[:, None, None]
    assert torch.allclose(pixels[0], pixels[1], atol=1e-5) and torch.allclose(pixels[1], pixels[2], atol=1e-5)
    # The full frame was mirrored about x = (W - 1) / 2: the box moves to x = 319 - 140 = 179.
    gray = np.repeat(np.asarray(np.round(frame @ [0.299, 0.587, 0.114]), np.uint8)[..., None], 3, axis=2)
    expected = crop_search_region(np.ascontiguousarray(gray[:, ::-1]), [179.0, 80.0, 40.0, 30.0], 5.0, 320)
    difference = (sample["reference_images"][0] - normalized(expected.image)).abs()
    assert difference.max() < 2.5 / 255 / 0.224  # OpenCV's integer luminance vs rounding by hand


def test_brightness_changes_the_image():
    box = torch.tensor([100.0, 80.0, 40.0, 30.0])
    frame = scene()
    proc = processing(center_jitter=0.0, scale_jitter=0.0, augmentation=Augmentation(0.0, 0.0, 0.2, 0.0))
    sample = proc([frame, frame], torch.stack([box, box]), frame, box, np.random.default_rng(0))
    plain = crop_search_region(frame, box.tolist(), 5.0, 320).image.astype(np.float64)
    pixels = (sample["search_image"] * torch.tensor(STD)[:, None, None] + torch.tensor(MEAN)[:, None, None]) * 255
    ratio = pixels.numpy().transpose(1, 2, 0)[plain > 20] / plain[plain > 20]
    assert 0.8 <= ratio.mean() <= 1.2 and ratio.std() < 0.01 and abs(ratio.mean() - 1) > 1e-3


@pytest.mark.parametrize("box", [(-900.0, -900.0, 20.0, 20.0), (100.0, 80.0, 0.0, 30.0)])
def test_unusable_draws_are_rejected(box):
    frame = scene()
    good = torch.tensor([100.0, 80.0, 40.0, 30.0])
    bad = torch.tensor(box)
    proc = processing()
    assert proc([frame, frame], torch.stack([good, good]), frame, bad, np.random.default_rng(0)) is None
    assert proc([frame, frame], torch.stack([bad, good]), frame, good, np.random.default_rng(0)) is None


def test_config_values_reach_the_processing():
    from lib.trackers import load_config
    cfg = load_config("baseline", overrides={"DATA": {"SEARCH": {"SIZE": 128, "CENTER_JITTER": 3.0}}})
    proc = AiATrackProcessing.from_config(cfg)
    assert proc.output_size == 128 and proc.feat_size == 8
    assert proc.jitter == {"long_term": (0.0, 0.0), "search": (3.0, 0.5)}
    with pytest.raises(ValueError, match="multiple of the backbone stride"):
        AiATrackProcessing(output_size=100)

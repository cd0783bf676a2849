"""The actor's loss terms equal the official formulas on the shared official-format checkpoint."""
from __future__ import annotations

import math

import pytest
import torch

from lib.trackers import load_config
from lib.models.aiatrack import ReferenceFrame, build_aiatrack, load_checkpoint
from lib.train.aiatrack import AiATrackActor, LossWeights
from lib.utils.box_ops import box_to_region_map
from lib.utils.crop import box_in_crop, crop_search_region, normalize_image
from lib.utils.synthetic import render_video

SIZE, FACTOR = 320, 5.0
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def _crop(frame, gt, shift):
    """Crop around the GT moved by ``shift`` pixels: normalized image, mask and GT box in the crop."""
    centre_box = torch.tensor(gt, dtype=torch.float64) + torch.tensor([shift[0], shift[1], 0.0, 0.0], dtype=torch.float64)
    region = crop_search_region(frame, centre_box.tolist(), FACTOR, SIZE)
    box = box_in_crop(torch.tensor(gt, dtype=torch.float32), centre_box.float(), region.resize_factor, SIZE)
    return normalize_image(region.image, MEAN, STD)[0], torch.from_numpy(region.padding_mask), box


def hand_made_batch() -> dict[str, torch.Tensor]:
    """One sample from a synthetic video (padded crops) with 16 proposals (one sample keeps the
    baseline-size forward affordable on CPU; BatchNorm still uses batch statistics over 400 tokens)."""
    video = render_video(seed=11, index=0, num_frames=12, height=240, width=320)
    samples = []
    for s, (ref_t, short_t, search_t, shift) in enumerate(((2, 6, 11, (-12.0, 4.0)),)):
        long_img, long_mask, long_box = _crop(video.frames[ref_t], video.boxes_xywh[ref_t], (0.0, 0.0))
        short_img, short_mask, short_box = _crop(video.frames[short_t], video.boxes_xywh[short_t], (3.0, 2.0))
        img, mask, box = _crop(video.frames[search_t], video.boxes_xywh[search_t], shift)
        offsets = torch.linspace(-0.06, 0.06, 16)[:, None] * torch.tensor([1.0, -0.5, 0.8, 0.3])
        proposals = box + offsets
        if s == 0:
            proposals[3] = torch.tensor([0.9, 0.9, 0.3, 0.3])   # partly outside the crop
        targets = torch.linspace(-1.0, 1.0, 16) * (0.5 + 0.3 * s)
        samples.append({
            "reference_images": torch.stack((long_img, short_img)),
            "reference_masks": torch.stack((long_mask, short_mask)),
            "reference_regions": box_to_region_map(torch.stack((long_box, short_box)), SIZE // 16),
            "search_image": img, "search_mask": mask, "search_box": box,
            "proposals": proposals, "proposal_iou_targets": targets,
        })
    batch = {key: torch.stack([s[key] for s in samples]) for key in samples[0]}
    x = batch["search_box"][0, 0].item()
    batch["search_box"][0] += torch.tensor([-x - 0.03, 0.0, x + 0.03, 0.0])  # GT starts left of the crop: clamped
    return batch


def official_terms(pred_cxcywh, gt_xywh, pred_iou, targets):
    """The official loss formulas, written out independently of lib.train.aiatrack.losses."""
    cx, cy, w, h = pred_cxcywh.double().unbind(-1)
    pred = torch.stack((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), -1)
    x, y, gw, gh = gt_xywh.double().unbind(-1)
    gt = torch.stack((x, y, x + gw, y + gh), -1).clamp(0.0, 1.0)
    assert (pred[:, 2:] >= pred[:, :2]).all(), "official GIoU would reject this batch"
    giou = []
    for p, g in zip(pred.tolist(), gt.tolist()):
        inter = max(0.0, min(p[2], g[2]) - max(p[0], g[0])) * max(0.0, min(p[3], g[3]) - max(p[1], g[1]))
        union = (p[2] - p[0]) * (p[3] - p[1]) + (g[2] - g[0]) * (g[3] - g[1]) - inter
        hull = (max(p[2], g[2]) - min(p[0], g[0])) * (max(p[3], g[3]) - min(p[1], g[1]))
        giou.append((inter / union - (hull - union) / hull, inter / union))
    giou_loss = sum(1 - g for g, _ in giou) / len(giou)
    l1 = (pred - gt).abs().mean().item()
    mse = ((pred_iou.double() - targets.double()) ** 2).mean().item()
    return {"giou": giou_loss, "l1": l1, "iou": mse, "mean_iou": sum(i for _, i in giou) / len(giou)}


@pytest.mark.reference
@pytest.mark.slow
def test_loss_terms_equal_official_formulas(reference_checkpoint):
    torch.manual_seed(0)
    cfg = load_config("baseline")
    model = build_aiatrack(cfg)
    load_checkpoint(model, reference_checkpoint)
    model.train()
    for module in model.modules():              # deterministic forward; BatchNorm keeps batch statistics
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.0
    batch = hand_made_batch()
    actor = AiATrackActor(model, LossWeights.from_config(cfg))
    with torch.no_grad():
        total, stats = actor(batch)

    with torch.no_grad():   # independent route through the model's stages, one frame at a time
        search = model.encode(batch["search_image"], batch["search_mask"])
        refs = []
        for r in range(2):
            enc = model.encode(batch["reference_images"][:, r], batch["reference_masks"][:, r])
            refs.append(ReferenceFrame(enc.memory, model.target_embedding(batch["reference_regions"][:, r]),
                                       enc.inr, enc.mask))
        decoded = model.decode(search, long_term=refs[:1], short_term=refs[1:])
        pred_boxes = model.predict_boxes(decoded)
        pred_iou = model.predict_iou(decoded, batch["proposals"])
    expected = official_terms(pred_boxes, batch["search_box"], pred_iou, batch["proposal_iou_targets"])
    for name in ("giou", "l1", "iou", "mean_iou"):
        assert math.isclose(stats[name].item(), expected[name], rel_tol=1e-4, abs_tol=1e-6), name
    assert math.isclose(total.item(), 2 * expected["giou"] + 5 * expected["l1"] + 2 * expected["iou"], rel_tol=1e-4)
    assert expected["mean_iou"] > 0.1   # a valid box overlapping the target: not a degenerate case


def test_missing_batch_key_is_reported():
    cfg = load_config("tiny")
    actor = AiATrackActor(build_aiatrack(cfg), LossWeights.from_config(cfg))
    with pytest.raises(KeyError, match="proposal_iou_targets"):
        actor({"search_image": torch.zeros(1, 3, 128, 128)})

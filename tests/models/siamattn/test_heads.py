"""Box and mask heads (F3-F5) on the stored fused maps and RoIs: pooling, offsets, FC/conv outputs."""
from __future__ import annotations

import pytest
import torch


@pytest.fixture(scope="module")
def step1_heads(siam_step: dict) -> dict:
    return siam_step["step1"]["net"]["heads"]


@pytest.mark.reference
@pytest.mark.parametrize("step", ["step1", "step2"])
def test_box_head_stages(official_model, siam_step: dict, check, step: str) -> None:
    ref, fused = siam_step[step]["net"]["heads"], siam_step[step]["net"]["fusion"]["b_fused"]
    head = official_model.bbox_head
    pool = head.roi_pool_b
    with torch.no_grad():
        check(pool.pool(fused, ref["bbox_roi_in"]), ref["bbox_pool_no_trans"], check.HEADS, "box pool, no offsets")
        check(pool.offsets(ref["bbox_pool_no_trans"]), ref["bbox_offset"], check.HEADS, "box offsets")
        check(pool.pool(fused, ref["bbox_roi_in"], ref["bbox_offset"]), ref["bbox_pool"], check.HEADS, "box pool")
        check(head.tail_det(ref["bbox_pool"].flatten(1)), ref["bbox_tail_det"], check.HEADS, "tail_det")
        check(head.predict(ref["bbox_pool"]), ref["bbox_pred_raw"], check.HEADS, "box deltas from stored pool")
        check(official_model.refine_box(fused, ref["bbox_roi_in"]), ref["bbox_pred_raw"], check.HEADS, "box deltas")


@pytest.mark.reference
def test_mask_head_stages(official_model, siam_step: dict, step1_heads: dict, check) -> None:
    ref, fused = step1_heads, siam_step["step1"]["net"]["fusion"]["m_fused"]
    head = official_model.mask_head
    pool = head.roi_pool_m
    with torch.no_grad():
        check(pool.pool(fused, ref["mask_roi_in"]), ref["mask_pool_no_trans"], check.HEADS, "mask pool, no offsets")
        check(pool.offsets(ref["mask_pool_no_trans"]), ref["mask_offset"], check.HEADS, "mask offsets")
        check(pool.pool(fused, ref["mask_roi_in"], ref["mask_offset"]), ref["mask_pool"], check.HEADS, "mask pool")
        x = ref["mask_pool"]
        for i, conv in enumerate(head.convs):
            x = conv(x)
            check(x, ref["mask_convs_out"][i], check.HEADS, f"mask conv {i}")
        check(head.predict(ref["mask_pool"]), ref["mask_logits"], check.HEADS, "mask logits from stored pool")
        check(official_model.refine_mask(fused, ref["mask_roi_in"]), ref["mask_logits"], check.HEADS, "mask logits")


@pytest.mark.reference
def test_pooling_is_exact_on_stored_inputs(siam_step: dict, step1_heads: dict, official_model) -> None:
    """Same operation order as the official port (README 6): the stored pools come back bit for bit."""
    ref, net = step1_heads, siam_step["step1"]["net"]
    with torch.no_grad():
        assert torch.equal(official_model.bbox_head.roi_pool_b.pool(net["fusion"]["b_fused"], ref["bbox_roi_in"],
                                                                   ref["bbox_offset"]), ref["bbox_pool"])
        assert torch.equal(official_model.mask_head.roi_pool_m.pool(net["fusion"]["m_fused"], ref["mask_roi_in"],
                                                                   ref["mask_offset"]), ref["mask_pool"])

"""Weighted multi-level depth-wise RPN (R1-R2) from the stored enhanced features of step 1."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from lib.models.siamattn.rpn import xcorr_depthwise


def _enhanced(siam_step: dict) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    dsa = siam_step["step1"]["net"]["dsa"]
    return [d["dcn_out_z"] for d in dsa], [d["dcn_out_x"] for d in dsa]


def test_xcorr_depthwise_is_a_per_sample_per_channel_correlation() -> None:
    gen = torch.Generator().manual_seed(0)
    search, kernel = torch.randn(2, 3, 6, 7, generator=gen), torch.randn(2, 3, 2, 3, generator=gen)
    out = xcorr_depthwise(search, kernel)
    brute = torch.zeros(2, 3, 5, 5)
    for b in range(2):
        for c in range(3):
            for y in range(5):
                for x in range(5):
                    brute[b, c, y, x] = (search[b, c, y:y + 2, x:x + 3] * kernel[b, c]).sum()
    torch.testing.assert_close(out, brute)


@pytest.mark.reference
@pytest.mark.parametrize("level", [2, 3, 4])
def test_per_level_outputs(official_model, siam_step: dict, check, level: int) -> None:
    ref = siam_step["step1"]["net"]["rpn"]
    zs, xs = _enhanced(siam_step)
    rpn = getattr(official_model.rpn_head, f"rpn{level}")
    with torch.no_grad():
        for branch in ("cls", "loc"):
            check(getattr(rpn, branch).conv_kernel(zs[level - 2]), ref[f"rpn{level}_{branch}_conv_kernel"],
                  check.HEADS, f"rpn{level} {branch} kernel")
        cls, loc = rpn(zs[level - 2], xs[level - 2])
        check(cls, ref[f"rpn{level}_cls"], check.HEADS, f"rpn{level} cls")
        check(loc, ref[f"rpn{level}_loc"], check.HEADS, f"rpn{level} loc")
        if level == 2:
            check(rpn.cls.correlate(zs[0], xs[0]), ref["rpn2_cls_xcorr_feature"], check.HEADS, "rpn2 correlation")


@pytest.mark.reference
def test_combined_outputs_and_level_weights(official_model, siam_step: dict, check) -> None:
    ref = siam_step["step1"]["net"]["rpn"]
    head = official_model.rpn_head
    torch.testing.assert_close(F.softmax(head.cls_weight, 0), ref["cls_weight_softmax"])
    torch.testing.assert_close(F.softmax(head.loc_weight, 0), ref["loc_weight_softmax"])
    with torch.no_grad():
        cls, loc = head(*_enhanced(siam_step))
    check(cls, ref["cls"], check.HEADS, "combined cls")
    check(loc, ref["loc"], check.HEADS, "combined loc")
    # Recombining the stored per-level outputs with the stored weights gives the stored sum (R2 order).
    recombined = sum(ref[f"rpn{level}_cls"] * ref["cls_weight_softmax"][level - 2] for level in (2, 3, 4))
    check(recombined, ref["cls"], 1e-6, "stored cls recombined")

"""Deformable Siamese Attention (D1-D6) against the official intermediates, and the DCN against README 6."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from lib.models.siamattn.dsa import DeformConvPack, channel_attention

LEVELS = (0, 1, 2)


@pytest.fixture(scope="module")
def dsa_inputs(official_model, siam_step: dict, search_levels: dict) -> dict:
    """(z, x) per step and level. Step 1 uses the stored search neck output; step 2 (not stored) ours."""
    with torch.no_grad():
        step2_search = official_model.neck(search_levels["step2"][2:])
    templates = siam_step["init"]["zf_neck_7x7"]
    return {"step1": list(zip(templates, siam_step["step1"]["net"]["neck_out"])),
            "step2": list(zip(templates, step2_search))}


@pytest.mark.reference
@pytest.mark.parametrize("step", ["step1", "step2"])
@pytest.mark.parametrize("level", LEVELS)
def test_attention_internals(official_model, siam_step: dict, dsa_inputs: dict, check, step: str,
                             level: int) -> None:
    ref = siam_step[step]["net"]["dsa"][level]
    z, x = dsa_inputs[step][level]
    enhance = official_model.feature_enhance
    pam, cam = enhance.pams[level], enhance.cam_uses[level]
    with torch.no_grad():
        check(pam.attention(z), ref["pam_z_attention"], check.DSA, "PAM attention z")
        check(pam.attention(x)[:, ::97], ref["pam_x_attention_rows_every_97"], check.DSA, "PAM attention x rows")
        check(pam(z), ref["pam_z"], check.DSA, "PAM z")
        attention_z, attention_x = channel_attention(z), channel_attention(x)
        check(cam(z, attention_z), ref["cam_zz"], check.DSA, "CAM zz")
        check(cam(z, attention_x), ref["cam_zx"], check.DSA, "CAM zx")
        z_sum, x_sum = enhance.attend(level, z, x)
        check(z_sum, ref["dcn_in_z"], check.DSA, "DCN input z")
        dcn = enhance.deform_convs[level]
        check(dcn.conv_offset(z_sum), ref["dcn_offset_z"], check.DSA, "DCN offsets z")
        check(dcn.conv_offset(x_sum), ref["dcn_offset_x"], check.DSA, "DCN offsets x")
        check(dcn(z_sum), ref["dcn_out_z"], check.DSA, "DCN output z (enhanced template)")
        if step == "step1":
            check(attention_z, ref["cam_attention_z"], check.DSA, "CAM attention z")
            check(attention_x, ref["cam_attention_x"], check.DSA, "CAM attention x")
            check(x_sum, ref["dcn_in_x"], check.DSA, "DCN input x")
            check(dcn(x_sum), ref["dcn_out_x"], check.DSA, "DCN output x (enhanced search)")
        if step == "step1" and level == 0:
            check(pam(x), ref["pam_x"], check.DSA, "PAM x")
            check(cam(x, attention_z), ref["cam_xz"], check.DSA, "CAM xz")


@pytest.mark.reference
@pytest.mark.parametrize("level", LEVELS)
def test_dcn_alone_on_stored_inputs(official_model, siam_step: dict, check, level: int) -> None:
    ref = siam_step["step1"]["net"]["dsa"][level]
    dcn = official_model.feature_enhance.deform_convs[level]
    with torch.no_grad():
        for side in ("z", "x"):
            check(dcn.conv_offset(ref[f"dcn_in_{side}"]), ref[f"dcn_offset_{side}"], check.DSA, f"offsets {side}")
            check(dcn.deform(ref[f"dcn_in_{side}"], ref[f"dcn_offset_{side}"]), ref[f"dcn_out_{side}"],
                  check.DSA, f"DCN {side}")


@pytest.mark.reference
def test_feature_enhance_returns_both_sides(official_model, siam_step: dict, check) -> None:
    net = siam_step["step1"]["net"]
    with torch.no_grad():
        z_out, x_out = official_model.feature_enhance(siam_step["init"]["zf_neck_7x7"], net["neck_out"])
    for level in LEVELS:
        check(z_out[level], net["dsa"][level]["dcn_out_z"], check.DSA, f"enhanced template {level}")
        check(x_out[level], net["dsa"][level]["dcn_out_x"], check.DSA, f"enhanced search {level}")


def _dcn_with_tap(channels: int, tap: int) -> DeformConvPack:
    dcn = DeformConvPack(channels, channels).double()
    with torch.no_grad():
        dcn.weight.zero_()
        for c in range(channels):
            dcn.weight[c, c].view(-1)[tap] = 1.0
    return dcn


def _bilinear_or_zero(image: torch.Tensor, h: float, w: float) -> float:
    """README 6: 0 unless −1 < h < H and −1 < w < W; neighbours outside the map count as 0."""
    height, width = image.shape
    if not (-1 < h < height and -1 < w < width):
        return 0.0
    y0, x0 = math.floor(h), math.floor(w)
    total = 0.0
    for yy, wy in ((y0, 1 - (h - y0)), (y0 + 1, h - y0)):
        for xx, wx in ((x0, 1 - (w - x0)), (x0 + 1, w - x0)):
            if 0 <= yy < height and 0 <= xx < width:
                total += wy * wx * image[yy, xx].item()
    return total


def test_dcn_offset_layout_and_out_of_range_rule() -> None:
    """Centre tap (k = 4) only: out[ho, wo] = sample at (ho + off[8], wo + off[9]) (y first, then x)."""
    gen = torch.Generator().manual_seed(1)
    image = torch.randn(1, 1, 5, 6, generator=gen, dtype=torch.float64)
    dcn = _dcn_with_tap(1, 4)
    offset = torch.zeros(1, 18, 5, 6, dtype=torch.float64)
    # Rows 0 and 4 land exactly on h = −1 and h = H (excluded); columns 0 and 5 fall outside in x.
    offset[:, 8] = torch.tensor([-1.0, -0.999, -0.3, 0.6, 1.0], dtype=torch.float64)[:, None]
    offset[:, 9] = torch.tensor([-1.5, -0.999, 0.25, 0.9, 1.2, 1.7], dtype=torch.float64)[None, :]
    out = dcn.deform(image, offset)
    for ho in range(5):
        for wo in range(6):
            h, w = ho + offset[0, 8, ho, wo].item(), wo + offset[0, 9, ho, wo].item()
            expected = _bilinear_or_zero(image[0, 0], h, w)
            assert out[0, 0, ho, wo].item() == pytest.approx(expected, abs=1e-12), (ho, wo)


def test_dcn_zero_and_integer_offsets_equal_convolutions() -> None:
    gen = torch.Generator().manual_seed(2)
    x = torch.randn(1, 3, 6, 7, generator=gen, dtype=torch.float64)
    dcn = DeformConvPack(3, 4).double()
    zero = torch.zeros(1, 18, 6, 7, dtype=torch.float64)
    torch.testing.assert_close(dcn.deform(x, zero), F.conv2d(x, dcn.weight, padding=1))
    assert torch.equal(dcn(x), dcn.deform(x, zero))                     # offset conv starts at zero
    plus_one_x = zero.clone()
    plus_one_x[:, 1::2] = 1.0
    torch.testing.assert_close(dcn.deform(x, plus_one_x), F.conv2d(F.pad(x, (0, 2, 1, 1)), dcn.weight))

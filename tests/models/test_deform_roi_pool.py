"""Deformable RoI pooling against a per-sample loop written from README section 6, hand values, gradcheck."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from lib.models.ops.deform_roi_pool import DeformRoIPoolPack, deform_roi_pool, round_half_away_from_zero


def _c_round(value: float) -> float:
    return math.copysign(math.floor(abs(value) + 0.5), value)


def _loop_pool(features: np.ndarray, rois: np.ndarray, offsets: np.ndarray | None, scale: float, out: int,
               samples: int = 4, trans_std: float = 0.1) -> np.ndarray:
    """One sample at a time, exactly as README section 6 describes the kernel (float64 arithmetic)."""
    _, channels, height, width = features.shape
    result = np.zeros((len(rois), channels, out, out))
    for k, (b, x1, y1, x2, y2) in enumerate(rois):
        fmap = features[int(b)]
        x_s, y_s = _c_round(x1) * scale - 0.5, _c_round(y1) * scale - 0.5
        x_e, y_e = (_c_round(x2) + 1) * scale - 0.5, (_c_round(y2) + 1) * scale - 0.5
        rw, rh = max(x_e - x_s, 0.1), max(y_e - y_s, 0.1)
        bw, bh = rw / out, rh / out
        for ph in range(out):
            for pw in range(out):
                w0, h0 = pw * bw + x_s, ph * bh + y_s
                if offsets is not None:
                    w0 += offsets[k, 0, ph, pw] * trans_std * rw
                    h0 += offsets[k, 1, ph, pw] * trans_std * rh
                total, count = np.zeros(channels), 0
                for ih in range(samples):
                    for iw in range(samples):
                        w, h = w0 + iw * bw / samples, h0 + ih * bh / samples
                        if w < -0.5 or w > width - 0.5 or h < -0.5 or h > height - 0.5:
                            continue
                        w, h = min(max(w, 0.0), width - 1.0), min(max(h, 0.0), height - 1.0)
                        xa, xb, ya, yb = math.floor(w), math.ceil(w), math.floor(h), math.ceil(h)
                        dx, dy = w - xa, h - ya
                        total += ((1 - dx) * (1 - dy) * fmap[:, ya, xa] + (1 - dx) * dy * fmap[:, yb, xa]
                                  + dx * (1 - dy) * fmap[:, ya, xb] + dx * dy * fmap[:, yb, xb])
                        count += 1
                result[k, :, ph, pw] = total / count if count else 0.0
    return result


def _case(dtype: torch.dtype, out: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(3)
    features = torch.randn(2, 3, 9, 13, generator=gen, dtype=dtype)
    rois = torch.tensor([
        [0, 10.0, 12.0, 60.0, 50.0],      # inside
        [1.7, -30.0, -8.0, 40.0, 30.0],   # fractional batch index, partly outside
        [1, 2.5, -2.5, 3.5, 12.5],        # .5 ties: round half away from zero (3, -3, 4, 13)
        [0, 70.0, 20.0, 70.0, 20.0],      # one-pixel RoI: width = scale
        [0, 50.0, 30.0, 40.0, 21.0],      # inverted RoI: width and height clamped to 0.1
        [0, 200.0, 200.0, 260.0, 240.0],  # fully outside: no valid sample, zeros
        [1, 33.3, 5.9, 77.7, 47.1],
    ], dtype=dtype)
    offsets = 2.0 * torch.randn(len(rois), 2, out, out, generator=gen, dtype=dtype)
    return features, rois, offsets


@pytest.mark.parametrize("dtype,tol", [(torch.float64, 1e-12), (torch.float32, 2e-5)])
@pytest.mark.parametrize("out", [2, 4])
@pytest.mark.parametrize("with_offsets", [False, True])
def test_matches_per_sample_loop(dtype: torch.dtype, tol: float, out: int, with_offsets: bool) -> None:
    features, rois, offsets = _case(dtype, out)
    scale = 1 / 6
    pooled = deform_roi_pool(features, rois, offsets if with_offsets else None, scale, out)
    expected = _loop_pool(features.double().numpy(), rois.double().numpy(),
                          offsets.double().numpy() if with_offsets else None, scale, out)
    assert pooled.dtype == dtype and pooled.shape == (len(rois), 3, out, out)
    np.testing.assert_allclose(pooled.double().numpy(), expected, atol=tol, rtol=0)
    assert torch.all(pooled[5] == 0)                                      # RoI 5 has no valid sample


def test_round_half_away_from_zero() -> None:
    x = torch.tensor([0.5, -0.5, 1.5, 2.5, -2.5, 0.49999997, 2.4, -2.6, 3.0], dtype=torch.float32)
    assert round_half_away_from_zero(x).tolist() == [1.0, -1.0, 2.0, 3.0, -3.0, 0.0, 2.0, -3.0, 3.0]


def test_ramp_gives_bin_start_samples_and_drop_then_clamp() -> None:
    """F[y, x] = x on an 8×8 map, RoI (0, 0, 7, 7), scale 1, 2×2 bins: x_s = −0.5, rw = 8, samples every 1.

    Bin column 0 samples x = −0.5, 0.5, 1.5, 2.5 (−0.5 is kept and clamped to 0): mean 4.5 / 4 = 1.125.
    Bin column 1: 3.5 … 6.5, mean 5. A +2 x-offset on bin column 1 shifts by 2·0.1·8 = 1.6 px: samples
    5.1, 6.1, 7.1 (clamped to 7), 8.1 (> 7.5: dropped), mean (5.1 + 6.1 + 7) / 3.
    """
    ramp = torch.arange(8, dtype=torch.float64).expand(1, 2, 8, 8).contiguous()
    roi = torch.tensor([[0, 0.0, 0.0, 7.0, 7.0]], dtype=torch.float64)
    plain = deform_roi_pool(ramp, roi, None, 1.0, 2)
    expected = torch.tensor([[1.125, 5.0], [1.125, 5.0]], dtype=torch.float64)
    torch.testing.assert_close(plain, expected.expand(1, 2, 2, 2))
    offsets = torch.zeros(1, 2, 2, 2, dtype=torch.float64)
    offsets[0, 0, :, 1] = 2.0
    shifted = deform_roi_pool(ramp, roi, offsets, 1.0, 2)
    torch.testing.assert_close(shifted[0, :, :, 1], torch.full((2, 2), (5.1 + 6.1 + 7.0) / 3, dtype=torch.float64))
    torch.testing.assert_close(shifted[0, :, :, 0], plain[0, :, :, 0])


def test_zero_offsets_equal_no_offsets_and_pack_starts_without_offsets() -> None:
    features, rois, _ = _case(torch.float32, 4)
    plain = deform_roi_pool(features, rois, None, 1 / 6, 4)
    assert torch.equal(deform_roi_pool(features, rois, torch.zeros(len(rois), 2, 4, 4), 1 / 6, 4), plain)
    pack = DeformRoIPoolPack(3, 4, 1 / 6, fc_channels=8)
    with torch.no_grad():
        assert torch.equal(pack(features, rois), plain)


def test_half_precision_features_use_float32_geometry() -> None:
    features, rois, offsets = _case(torch.float32, 4)
    pooled = deform_roi_pool(features.to(torch.bfloat16), rois, offsets, 1 / 6, 4)
    assert pooled.dtype == torch.bfloat16
    reference = deform_roi_pool(features.to(torch.bfloat16).float(), rois, offsets, 1 / 6, 4)
    torch.testing.assert_close(pooled, reference.to(torch.bfloat16), atol=0, rtol=0)


def test_gradcheck_features_and_offsets() -> None:
    gen = torch.Generator().manual_seed(5)
    features = torch.randn(2, 2, 5, 6, generator=gen, dtype=torch.float64, requires_grad=True)
    rois = torch.tensor([[0, 3.0, 2.0, 20.0, 17.0], [1, -4.0, 6.0, 30.0, 28.0]], dtype=torch.float64)
    offsets = torch.randn(2, 2, 2, 2, generator=gen, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda f, o: deform_roi_pool(f, rois, o, 1 / 5, 2), (features, offsets))


def test_bad_inputs_raise_clear_errors() -> None:
    features = torch.zeros(1, 2, 5, 5)
    with pytest.raises(ValueError, match="rois must be"):
        deform_roi_pool(features, torch.zeros(3, 4), None, 1.0, 2)
    with pytest.raises(ValueError, match="offsets must be"):
        deform_roi_pool(features, torch.zeros(1, 5), torch.zeros(1, 2, 3, 3), 1.0, 2)
    with pytest.raises(IndexError, match="batch indices"):
        deform_roi_pool(features, torch.tensor([[1.0, 0, 0, 2, 2]]), None, 1.0, 2)
    with pytest.raises(ValueError, match="channels"):
        DeformRoIPoolPack(3, 2, 1.0, fc_channels=4)(features, torch.zeros(1, 5))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu() -> None:
    features, rois, offsets = _case(torch.float32, 4)
    cpu = deform_roi_pool(features, rois, offsets, 1 / 6, 4)
    gpu = deform_roi_pool(features.to("cuda"), rois.to("cuda"), offsets.to("cuda"), 1 / 6, 4)
    torch.testing.assert_close(gpu.cpu(), cpu, atol=1e-5, rtol=0)

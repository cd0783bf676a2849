"""PrRoIPool against brute-force integration, gradient checks and the official fixture."""
from __future__ import annotations

import pytest
import torch

from lib.models.ops.prroi_pool import PrRoIPool2D, prroi_pool2d


def _tents(coords: torch.Tensor, size: int) -> torch.Tensor:
    """Bilinear interpolation weights of ``size`` grid lines at ``coords``, zero beyond the map: (n, size)."""
    return (1 - (coords[:, None] - torch.arange(size, dtype=coords.dtype)).abs()).clamp(min=0)


def _brute_force_pool(features: torch.Tensor, rois: torch.Tensor, pooled: tuple[int, int], scale: float,
                      samples: int = 20000) -> torch.Tensor:
    """Mean of the bilinear map over a dense ``samples x samples`` midpoint grid of each bin, in float64.

    The map at grid point (y_a, x_b) is ``T_y[a] @ F @ T_x[b]``, so the grid mean is the mean row of
    ``T_y`` times F times the mean row of ``T_x`` (same sum, evaluated without the full grid).
    """
    features = features.double()
    ph, pw = pooled
    height, width = features.shape[-2:]
    mid = (torch.arange(samples, dtype=torch.float64) + 0.5) / samples
    out = torch.zeros(rois.shape[0], features.shape[1], ph, pw, dtype=torch.float64)
    for k, (b, x1, y1, x2, y2) in enumerate(rois.double().tolist()):
        x1, y1, x2, y2 = (v * scale for v in (x1, y1, x2, y2))
        bin_w, bin_h = max(x2 - x1, 0.0) / pw, max(y2 - y1, 0.0) / ph
        if bin_w * bin_h == 0:
            continue
        for i in range(ph):
            mean_y = _tents(y1 + bin_h * (i + mid), height).mean(dim=0)
            for j in range(pw):
                mean_x = _tents(x1 + bin_w * (j + mid), width).mean(dim=0)
                out[k, :, i, j] = mean_y @ features[int(b)] @ mean_x
    return out


@pytest.fixture(scope="module")
def feature_maps() -> torch.Tensor:
    generator = torch.Generator().manual_seed(3)
    return torch.randn(2, 3, 7, 9, generator=generator, dtype=torch.float64)


ROI_CASES = {
    "inside": [0, 1.3, 2.2, 6.1, 5.4],
    "second_image": [1, 0.4, 0.7, 7.9, 5.8],
    "partly_outside": [0, -1.7, 4.3, 3.2, 8.9],
    "covers_whole_map_and_more": [1, -2.5, -1.5, 10.5, 8.5],
    "fully_outside_beyond_tents": [0, 10.5, 1.0, 13.0, 4.0],
    "outside_within_border_tent": [1, -0.9, 2.0, -0.1, 4.0],
    "tiny": [0, 3.41, 2.77, 3.414, 2.7745],
}


@pytest.mark.parametrize("name", sorted(ROI_CASES))
def test_matches_brute_force_integration(feature_maps: torch.Tensor, name: str) -> None:
    rois = torch.tensor([ROI_CASES[name]], dtype=torch.float64)
    expected = _brute_force_pool(feature_maps, rois, (3, 4), 1.0)
    result = prroi_pool2d(feature_maps, rois, 3, 4, 1.0)
    assert result.shape == (1, 3, 3, 4)
    torch.testing.assert_close(result, expected, rtol=0, atol=1e-8)


def test_spatial_scale_and_many_rois_at_once(feature_maps: torch.Tensor) -> None:
    rois = torch.tensor([case for case in ROI_CASES.values()], dtype=torch.float64)
    rois[:, 1:] /= 20.0
    expected = _brute_force_pool(feature_maps, rois, (2, 2), 20.0)
    torch.testing.assert_close(prroi_pool2d(feature_maps, rois, 2, 2, 20.0), expected, rtol=0, atol=1e-8)


def test_fully_outside_gives_zero_and_partial_bins_divide_by_full_area() -> None:
    features = torch.ones(1, 1, 4, 4, dtype=torch.float64)
    outside = prroi_pool2d(features, torch.tensor([[0, 5.0, 0.0, 7.0, 2.0]], dtype=torch.float64), 1, 1, 1.0)
    assert outside.item() == 0.0
    # All-ones map: f = 1 on [0, 3]^2, falls linearly to 0 at -1 and 4. The box [1, 5] x [1, 2] integrates
    # 2 (x in [1, 3]) + 0.5 (x in [3, 4]) over unit height: 2.5 over area 4.
    partial = prroi_pool2d(features, torch.tensor([[0, 1.0, 1.0, 5.0, 2.0]], dtype=torch.float64), 1, 1, 1.0)
    assert partial.item() == pytest.approx(2.5 / 4.0, abs=1e-14)


def test_single_tent_worked_example() -> None:
    features = torch.zeros(1, 1, 5, 6, dtype=torch.float64)
    features[0, 0, 2, 3] = 1.0  # its tent covers x in [2, 4], y in [1, 3] and integrates to 1
    rois = torch.tensor([[0, 2.0, 1.0, 4.0, 3.0], [0, 3.0, 2.0, 4.0, 3.0]], dtype=torch.float64)
    out = prroi_pool2d(features, rois, 1, 1, 1.0)
    assert out[0].item() == pytest.approx(1.0 / 4.0, abs=1e-14)
    assert out[1].item() == pytest.approx(0.25, abs=1e-14)  # one quadrant of the tent (1/4) over area 1


@pytest.mark.parametrize("roi", [[0, 3.0, 1.0, 2.0, 4.0], [0, 1.0, 4.0, 3.0, 2.5], [0, 2.0, 1.0, 2.0, 4.0],
                                 [0, 1.0, 1.0, 5.0, 1.0]])
def test_inverted_and_zero_area_boxes_give_exact_zero(feature_maps: torch.Tensor, roi: list[float]) -> None:
    out = prroi_pool2d(feature_maps, torch.tensor([roi], dtype=torch.float64), 4, 4, 1.0)
    assert torch.equal(out, torch.zeros_like(out))


def test_batch_index_is_truncated(feature_maps: torch.Tensor) -> None:
    box = [0.3, 0.6, 5.2, 4.9]
    truncated = prroi_pool2d(feature_maps, torch.tensor([[1.9] + box], dtype=torch.float64), 2, 2, 1.0)
    exact = prroi_pool2d(feature_maps[1:], torch.tensor([[0.0] + box], dtype=torch.float64), 2, 2, 1.0)
    torch.testing.assert_close(truncated, exact, rtol=0, atol=0)


def test_bad_batch_index_and_shapes_are_clear_errors(feature_maps: torch.Tensor) -> None:
    with pytest.raises(IndexError, match="batch indices"):
        prroi_pool2d(feature_maps, torch.tensor([[2.0, 0, 0, 1, 1]], dtype=torch.float64), 2, 2, 1.0)
    with pytest.raises(ValueError, match=r"\(K, 5\)"):
        prroi_pool2d(feature_maps, torch.zeros(3, 4, dtype=torch.float64), 2, 2, 1.0)


def test_no_rois_gives_empty_output(feature_maps: torch.Tensor) -> None:
    assert prroi_pool2d(feature_maps, torch.zeros(0, 5, dtype=torch.float64), 2, 3, 1.0).shape == (0, 3, 2, 3)


def _random_boxes_away_from_kinks(count: int, pooled: int, seed: int) -> torch.Tensor:
    """Boxes (x1, y1, x2, y2) on a 5x6 map whose bin edges stay clear of integer coordinates."""
    generator = torch.Generator().manual_seed(seed)
    boxes = []
    while len(boxes) < count:
        x1, y1 = (torch.rand(2, generator=generator, dtype=torch.float64) * 6 - 1.5).tolist()
        w, h = (torch.rand(2, generator=generator, dtype=torch.float64) * 4 + 0.5).tolist()
        edges = torch.tensor([x1 + w * k / pooled for k in range(pooled + 1)]
                             + [y1 + h * k / pooled for k in range(pooled + 1)], dtype=torch.float64)
        if ((edges - edges.round()).abs() > 1e-2).all():
            boxes.append([x1, y1, x1 + w, y1 + h])
    return torch.tensor(boxes, dtype=torch.float64)


def test_gradients_wrt_features_and_coordinates() -> None:
    generator = torch.Generator().manual_seed(5)
    features = torch.randn(2, 2, 5, 6, generator=generator, dtype=torch.float64, requires_grad=True)
    coords = _random_boxes_away_from_kinks(3, 2, seed=7).requires_grad_(True)
    batch = torch.tensor([[0.0], [1.0], [1.0]], dtype=torch.float64)

    def pool(feats: torch.Tensor, xyxy: torch.Tensor) -> torch.Tensor:
        return prroi_pool2d(feats, torch.cat([batch, xyxy], dim=1), 2, 2, 1.0)

    assert torch.autograd.gradcheck(pool, (features, coords), eps=1e-6, atol=1e-7)


def test_gradient_of_inverted_box_is_finite(feature_maps: torch.Tensor) -> None:
    coords = torch.tensor([[3.0, 1.0, 2.0, 4.0]], dtype=torch.float64, requires_grad=True)
    feats = feature_maps.clone().requires_grad_(True)
    prroi_pool2d(feats, torch.cat([torch.zeros(1, 1, dtype=torch.float64), coords], 1), 2, 2, 1.0).sum().backward()
    assert torch.isfinite(coords.grad).all() and torch.isfinite(feats.grad).all()


def test_module_wrapper(feature_maps: torch.Tensor) -> None:
    pool = PrRoIPool2D(2, 3, 0.5)
    rois = torch.tensor([[1, 1.0, 2.0, 9.0, 11.0]], dtype=torch.float64)
    torch.testing.assert_close(pool(feature_maps, rois), prroi_pool2d(feature_maps, rois, 2, 3, 0.5))
    assert "spatial_scale=0.5" in repr(pool)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_matches_cpu(feature_maps: torch.Tensor) -> None:
    rois = torch.tensor([case for case in ROI_CASES.values()], dtype=torch.float64)
    cpu = prroi_pool2d(feature_maps, rois, 4, 4, 1.0)
    gpu = prroi_pool2d(feature_maps.cuda(), rois.cuda(), 4, 4, 1.0)
    torch.testing.assert_close(gpu.cpu(), cpu, rtol=0, atol=1e-12)


def test_official_fixture_iou_head_and_probes(step_fixture: dict) -> None:
    """Official PrRoIPool outputs (float32) for the tracked box and six probe boxes, scale 20, 4x4."""
    iou_head = step_fixture["first_step"]["iou_head"]
    probes = step_fixture["first_step"]["iou_probes"]
    for rois, expected in ((iou_head["rois_bxyxy"], iou_head["roi_feat"]),
                           (probes["rois_bxyxy"], probes["roi_feat"])):
        exact = prroi_pool2d(iou_head["iou_feat"].double(), rois.double(), 4, 4, 20.0)
        # The fixture is float32 (|values| <= 3.4); its own rounding error is ~2e-6.
        torch.testing.assert_close(exact, expected.double(), rtol=0, atol=4e-6)
        single = prroi_pool2d(iou_head["iou_feat"], rois, 4, 4, 20.0)
        assert single.dtype == torch.float32
        torch.testing.assert_close(single, expected, rtol=0, atol=8e-6)
    assert torch.equal(probes["roi_feat"][3:5], torch.zeros_like(probes["roi_feat"][3:5]))

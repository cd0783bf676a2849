"""Sine position embedding against the formula written out token by token (Q10)."""
from __future__ import annotations

import math

import torch

from lib.models.ops.position_encoding import SinePositionEncoding


def _direct(mask: torch.Tensor, num_freqs: int) -> torch.Tensor:
    """Embedding of one (H, W) mask, float64, one token and one channel at a time."""
    height, width = mask.shape
    out = torch.zeros(2 * num_freqs, height, width, dtype=torch.float64)
    for i in range(height):
        for j in range(width):
            column_valid = [not mask[r, j] for r in range(height)]
            row_valid = [not mask[i, c] for c in range(width)]
            y = sum(column_valid[: i + 1]) / (sum(column_valid) + 1e-6) * 2 * math.pi
            x = sum(row_valid[: j + 1]) / (sum(row_valid) + 1e-6) * 2 * math.pi
            for c in range(num_freqs):
                wavelength = 10000 ** (2 * (c // 2) / num_freqs)
                trig = math.sin if c % 2 == 0 else math.cos
                out[c, i, j] = trig(y / wavelength)
                out[num_freqs + c, i, j] = trig(x / wavelength)
    return out


def test_matches_direct_formula_with_padding():
    mask = torch.zeros(5, 6, dtype=torch.bool)
    mask[:, :2] = True      # padded columns on the left (before the valid region)
    mask[4, :] = True       # a padded row at the bottom (after it)
    ours = SinePositionEncoding(num_freqs=8)(mask[None])
    assert ours.shape == (1, 16, 5, 6) and ours.dtype == torch.float32
    assert torch.allclose(ours[0].double(), _direct(mask, 8), atol=2e-6, rtol=0)


def test_padding_positions():
    """Tokens before the valid region sit at 0 (sin 0, cos 1); tokens after it repeat 2*pi."""
    mask = torch.zeros(1, 4, 4, dtype=torch.bool)
    mask[0, :, 0] = True
    pos = SinePositionEncoding(num_freqs=4)(mask)
    x_block = pos[0, 4:]
    assert torch.equal(x_block[0::2, :, 0], torch.zeros(2, 4))
    assert torch.equal(x_block[1::2, :, 0], torch.ones(2, 4))
    mask = torch.zeros(1, 4, 4, dtype=torch.bool)
    mask[0, 3, :] = True
    pos = SinePositionEncoding(num_freqs=4)(mask)
    assert torch.equal(pos[0, :4, 3], pos[0, :4, 2])


def test_unpadded_map_and_channel_layout():
    pos = SinePositionEncoding(num_freqs=128)(torch.zeros(2, 20, 20, dtype=torch.bool))
    assert pos.shape == (2, 256, 20, 20)
    assert torch.equal(pos[0], pos[1])
    # the y block varies along rows only, the x block along columns only
    assert torch.equal(pos[0, :128], pos[0, :128, :, :1].expand(-1, -1, 20))
    assert torch.equal(pos[0, 128:], pos[0, 128:, :1, :].expand(-1, 20, -1))

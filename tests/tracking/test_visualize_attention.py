"""tracking/dev/visualize_attention.py and the attention probe: overlays, recorded maps, headless run."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from lib.models.aiatrack.aia import AiAAttention
from lib.test.tracker.aiatrack.attention_probe import AttentionProbe
from tracking.dev.visualize_attention import default_queries, heat_overlay, main, query_tokens


def test_overlay_peak_lies_on_the_peak_token():
    """Hand-made map with one peak at token (row 2, col 5) of 8x8 over a 128 px grey crop: the hottest
    colour covers exactly pixels 32..47 x 80..95."""
    crop = np.full((128, 128, 3), 90, dtype=np.uint8)
    token_map = np.full((8, 8), 0.01)
    token_map[2, 5] = 0.5
    overlay = heat_overlay(crop, token_map)
    peak_colour = overlay[40, 88]
    hottest = np.all(overlay == peak_colour, axis=-1)
    expected = np.zeros((128, 128), dtype=bool)
    expected[32:48, 80:96] = True
    assert np.array_equal(hottest, expected)
    assert peak_colour[0] > peak_colour[2]           # jet: the maximum is red, not blue
    with pytest.raises(ValueError, match="does not tile"):
        heat_overlay(crop, np.ones((7, 7)))


@pytest.mark.parametrize("factored", [False, True])
def test_probe_records_what_the_attention_uses(factored):
    """softmax(M + inner(M)) from the hook equals the attention weights AiAAttention itself returns; rows
    sum to 1; the probe leaves the output unchanged and removes its hooks. A factored attention (the
    tracker's inference form) is switched to the materialized form while probed, and back after."""
    torch.manual_seed(0)
    side, dim = 4, 16
    attention = AiAAttention(dim, 4, use_inner=True, match_dim=8, feat_size=side * side).eval()
    attention.factored_inner = factored
    holder = torch.nn.Module()
    holder.attn = attention
    holder.corner_head = torch.nn.Module()
    holder.corner_head.conv5_tl, holder.corner_head.conv5_br = torch.nn.Identity(), torch.nn.Identity()
    query, key = torch.randn(side * side, 1, dim), torch.randn(2 * side * side, 1, dim)
    key_pos = torch.randn(2 * side * side, 1, 8)
    plain_out, weights = attention(query, key, key, key_pos=key_pos, need_weights=True)
    with AttentionProbe(holder) as probe:
        probed_out = attention(query, key, key, key_pos=key_pos)[0]
        assert not attention.factored_inner
    assert attention.factored_inner == factored
    torch.testing.assert_close(probed_out, plain_out, rtol=0, atol=1e-5 if factored else 0)
    assert not attention.inner_attn._forward_hooks
    record = probe.attention["attn"]
    after, before = record.probabilities(refined=True), record.probabilities(refined=False)
    assert after.shape == before.shape == (side * side, 2 * side * side)
    torch.testing.assert_close(after, weights[0], rtol=0, atol=1e-5 if factored else 1e-7)
    torch.testing.assert_close(after.sum(dim=1), torch.ones(side * side))
    torch.testing.assert_close(before.sum(dim=1), torch.ones(side * side))
    assert (before >= 0).all() and not torch.allclose(before, after)
    # correlation vector of query 3 = head mean of its logits column, by hand
    torch.testing.assert_close(record.correlation(3, refined=False), record.key_logits[0, :, :, 3].mean(dim=0))


def test_probe_refuses_a_model_without_aia():
    holder = torch.nn.Module()
    holder.attn = AiAAttention(16, 4, use_inner=False)
    with pytest.raises(ValueError, match="switched off"):
        AttentionProbe(holder).__enter__()


def test_query_points():
    padding = np.zeros((4, 4), dtype=bool)
    padding[:, 3] = True                              # last column is padding
    centre, background = default_queries((0.1, 0.1), padding, 4)   # target near the top-left token
    assert centre == 0 and background == 3 * 4 + 2    # farthest non-padding token: row 3, col 2
    assert query_tokens([[70.0, 10.0]], 128, 8) == [0 * 8 + 4]
    with pytest.raises(ValueError, match="outside"):
        query_tokens([[130.0, 0.0]], 128, 8)


def test_script_writes_the_pngs_headless(synthetic_settings, synthetic_videos, tmp_path, capsys):
    """Default (embedded) weights on a synthetic GOT-10k sequence; the PNGs open and have content."""
    name = "GOT-10k_Val_000001"
    out = tmp_path / "attention"
    assert main(["--dataset", "got10k_val", "--sequence", name, "--settings", str(synthetic_settings),
                 "--frame", "4", "--output", str(out)]) == 0
    expected = {"encoder_layer0.png", "decoder_layer0_long_term.png", "decoder_layer0_short_term.png",
                "correlation_vectors.png", "corner_scores.png"}
    assert {p.name for p in out.iterdir()} == expected
    for path in out.iterdir():
        with Image.open(path) as image:
            pixels = np.asarray(image.convert("RGB"))
        assert pixels.std() > 5, path.name             # not a blank canvas
    assert "wrote" in capsys.readouterr().out
    assert main(["--dataset", "got10k_val", "--sequence", name, "--settings", str(synthetic_settings),
                 "--frame", "40", "--output", str(out)]) == 2


def test_a_tracker_without_the_attention_probe_is_refused_in_one_line(synthetic_settings, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["--tracker", "siamattn", "--dataset", "got10k_val", "--sequence", "GOT-10k_Val_000001",
              "--settings", str(synthetic_settings), "--output", str(tmp_path / "out")])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "SiamAttn offers no attention maps" in err and "aiatrack" in err
    assert not (tmp_path / "out").exists()

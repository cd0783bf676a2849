"""AiA attention against a hand-written per-(batch, head, chunk) loop, and the ablation switch."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from lib.trackers import load_config
from lib.models.aiatrack import build_aiatrack
from lib.models.aiatrack.aia import AiAAttention


def _randomized(module: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    """Random values for every parameter (also the zero-initialized biases and LayerNorm affines)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator, dtype=parameter.dtype) * 0.5)
    return module.double().eval()


def _loop_reference(attn: AiAAttention, query, key, value, key_pos):
    """AiA written out head by head and chunk by chunk, straight from the paper's description."""
    inner = attn.inner_attn
    num_queries, batch, dim = query.shape
    heads, head_dim, chunk = attn.num_heads, attn.head_dim, inner.feat_size
    w_q, w_k, w_v = attn.in_proj_weight.chunk(3)
    b_q, b_k, b_v = attn.in_proj_bias.chunk(3)
    out = torch.zeros(num_queries, batch, dim, dtype=query.dtype)
    for b in range(batch):
        q_all = query[:, b] @ w_q.T + b_q
        k_all = key[:, b] @ w_k.T + b_k
        v_all = value[:, b] @ w_v.T + b_v
        head_outputs = []
        for h in range(heads):
            cols = slice(h * head_dim, (h + 1) * head_dim)
            logits = (q_all[:, cols] / math.sqrt(head_dim)) @ k_all[:, cols].T          # (Nq, Nk)
            corrected = logits.clone()
            for c in range(key.shape[0] // chunk):
                keys = slice(c * chunk, (c + 1) * chunk)
                columns = logits[:, keys].T                                          # (chunk keys, Nq)
                x = F.layer_norm(columns @ inner.corr_proj.weight.T + inner.corr_proj.bias, (inner.match_dim,),
                                 inner.corr_norm.weight, inner.corr_norm.bias) + key_pos[keys, b]
                q = x @ inner.q_proj.weight.T + inner.q_proj.bias
                k = x @ inner.k_proj.weight.T + inner.k_proj.bias
                v = F.layer_norm(columns, (num_queries,), inner.value_norm.weight, inner.value_norm.bias)
                a = torch.softmax(q @ k.T / math.sqrt(inner.match_dim), dim=-1) @ v
                correction = a + a @ inner.out_proj.weight.T + inner.out_proj.bias
                corrected[:, keys] = logits[:, keys] + correction.T
            head_outputs.append(torch.softmax(corrected, dim=-1) @ v_all[:, cols])
        out[:, b] = torch.cat(head_outputs, dim=1) @ attn.out_proj.weight.T + attn.out_proj.bias
    return out


@pytest.mark.parametrize("factored", [False, True])
@pytest.mark.parametrize("num_chunks", [1, 3])
def test_aia_matches_loop(num_chunks, factored):
    attn = _randomized(AiAAttention(embed_dim=8, num_heads=2, use_inner=True, match_dim=4, feat_size=6))
    attn.factored_inner = factored
    generator = torch.Generator().manual_seed(1)
    query = torch.randn(6, 2, 8, generator=generator, dtype=torch.float64)
    key = torch.randn(6 * num_chunks, 2, 8, generator=generator, dtype=torch.float64)
    value = torch.randn(6 * num_chunks, 2, 8, generator=generator, dtype=torch.float64)
    key_pos = torch.randn(6 * num_chunks, 2, 4, generator=generator, dtype=torch.float64)
    with torch.no_grad():
        ours, _ = attn(query, key, value, key_pos=key_pos)
        expected = _loop_reference(attn, query, key, value, key_pos)
    assert torch.allclose(ours, expected, rtol=0, atol=1e-12)


def test_chunks_never_mix():
    """Changing one reference chunk's keys leaves the other chunk's inner correction unchanged."""
    attn = _randomized(AiAAttention(embed_dim=8, num_heads=2, match_dim=4, feat_size=6))
    generator = torch.Generator().manual_seed(2)
    key_logits = torch.randn(2, 2, 12, 6, generator=generator, dtype=torch.float64)   # (B, H, Nk, Nq)
    key_pos = torch.randn(12, 2, 4, generator=generator, dtype=torch.float64)
    changed = key_logits.clone()
    changed[:, :, 6:] += torch.randn(6, 6, generator=generator, dtype=torch.float64)
    with torch.no_grad():
        a = attn.inner_attn(key_logits, key_pos)
        b = attn.inner_attn(changed, key_pos)
    assert torch.equal(a[:, :, :6], b[:, :, :6])
    assert not torch.allclose(a[:, :, 6:], b[:, :, 6:])


def test_disabled_inner_attention_is_plain_multihead_attention():
    attn = _randomized(AiAAttention(embed_dim=8, num_heads=2, use_inner=False))
    assert attn.inner_attn is None
    assert not any("inner_attn" in name for name, _ in attn.named_parameters())
    generator = torch.Generator().manual_seed(3)
    query, key, value = (torch.randn(n, 3, 8, generator=generator, dtype=torch.float64) for n in (5, 7, 7))
    with torch.no_grad():
        ours, weights = attn(query, key, value, need_weights=True)
        expected, expected_weights = F.multi_head_attention_forward(
            query, key, value, 8, 2, attn.in_proj_weight, attn.in_proj_bias, None, None, False, 0.0,
            attn.out_proj.weight, attn.out_proj.bias, training=False, need_weights=True)
    assert torch.allclose(ours, expected, atol=1e-12)
    assert torch.allclose(weights, expected_weights, atol=1e-12)


def test_inner_attention_changes_the_output():
    attn = _randomized(AiAAttention(embed_dim=8, num_heads=2, match_dim=4, feat_size=6))
    plain = AiAAttention(embed_dim=8, num_heads=2, use_inner=False).double()
    plain.load_state_dict({k: v for k, v in attn.state_dict().items() if "inner_attn" not in k})
    x = torch.randn(6, 1, 8, dtype=torch.float64)
    with torch.no_grad():
        assert not torch.allclose(attn(x, x, x, key_pos=torch.zeros(6, 1, 4, dtype=torch.float64))[0],
                                  plain(x, x, x)[0])


def test_inner_attention_rejects_wrong_sizes():
    attn = AiAAttention(embed_dim=8, num_heads=2, match_dim=4, feat_size=6)
    x = torch.randn(5, 1, 8)
    with pytest.raises(ValueError, match="FEAT_SIZE"):
        attn(x, x, x, key_pos=torch.zeros(5, 1, 4))


@pytest.mark.parametrize("switches, encoder_inner, decoder_inner", [
    ({"USE_AIA": False}, False, False),
    ({"ENCODER": False}, False, True),
    ({"DECODER": False}, True, False),
])
def test_config_ablation_switches(switches, encoder_inner, decoder_inner):
    tiny = {"MODEL": {"BACKBONE": {"TYPE": "resnet18"}, "HIDDEN_DIM": 32, "AIA": {"MATCH_DIM": 8, "FEAT_SIZE": 64,
                                                                                 **switches}},
            "DATA": {"SEARCH": {"SIZE": 128}}}
    model = build_aiatrack(load_config("baseline", overrides=tiny))
    keys = model.state_dict().keys()
    assert any(k.startswith("transformer.encoder.") and ".inner_attn." in k for k in keys) == encoder_inner
    assert any(k.startswith("transformer.decoder.") and ".inner_attn." in k for k in keys) == decoder_inner

"""Correlation-refinement variants of the paper's Table 4, chosen when the transformer is built.

Where AiA is enabled (``MODEL.AIA.ENCODER`` / ``DECODER``) the attention refines its correlations
with one of (``MODEL.AIA.REFINEMENT``), built by :func:`build_attention`:

- ``aia``: the AiA inner attention (:class:`lib.models.aiatrack.aia.InnerAttention`), the official model;
- ``conv``: :class:`ConvRefinement`, a small convolution block run over each key's correlation map
  (its logits against all search queries, laid out on the search grid) with a fixed 5x5 receptive
  field, added to the logits as AiA's correction is (:class:`ConvRefinedAttention`);
- ``cascade``: :class:`CascadeAttention`, plain attention followed by a second, narrower plain
  attention whose queries are refined by the first one's output; the second attention's width is
  chosen so its parameter count is as close as possible to the AiA inner attention it replaces.

The variants' own modules keep their own initialization (:data:`OWN_INITIALIZATION`); the official
xavier pass of the transformer covers the rest. These are our reading of the paper's ablation (its
variants were not released).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from lib.models.aiatrack.aia import AiAAttention, InnerAttention

__all__ = ["OWN_INITIALIZATION", "REFINEMENTS", "CascadeAttention", "ConvRefinedAttention", "ConvRefinement",
           "NarrowAttention", "build_attention", "cascade_width", "check_refinement", "describe_refinement",
           "inner_attention_parameters"]

REFINEMENTS = ("aia", "cascade", "conv")


class ConvRefinement(nn.Module):
    """Correction of key-major logits (B, H, Nk, Nq) by a conv block over each key's query map.

    Each key's ``Nq = side * side`` logits form one 1-channel map on the search grid; conv 3x3 (1 ->
    ``channels``), ReLU, conv 3x3 (``channels`` -> 1), zero padding: a 5x5 receptive field. Same call
    signature as the AiA inner attention (``key_pos`` is accepted and unused).
    """

    def __init__(self, feat_size: int, channels: int = 8):
        super().__init__()
        side = math.isqrt(feat_size)
        if side * side != feat_size:
            raise ValueError(f"conv refinement needs a square search map, FEAT_SIZE is {feat_size}")
        self.feat_size = feat_size
        self.side = side
        self.block = nn.Sequential(nn.Conv2d(1, channels, 3, padding=1), nn.ReLU(inplace=True),
                                   nn.Conv2d(channels, 1, 3, padding=1))

    def forward(self, key_logits: Tensor, key_pos: Tensor | None = None) -> Tensor:
        """(B, H, Nk, Nq) -> correction of the same shape; ``Nq`` must be FEAT_SIZE."""
        if key_logits.shape[-1] != self.feat_size:
            raise ValueError(f"conv refinement needs {self.feat_size} queries (FEAT_SIZE), "
                             f"got {key_logits.shape[-1]}")
        maps = key_logits.reshape(-1, 1, self.side, self.side)
        return self.block(maps).reshape(key_logits.shape)


class NarrowAttention(nn.Module):
    """Plain multi-head attention whose q/k/v projections map ``dim`` to ``width`` (< ``dim``) channels.

    Sequence-first: query (Nq, B, dim), key/value (Nk, B, dim) -> (Nq, B, dim). Parameters:
    ``4 * dim * width + 3 * width + dim``.
    """

    def __init__(self, dim: int, width: int, num_heads: int, dropout: float = 0.0):
        super().__init__()
        if width % num_heads:
            raise ValueError(f"attention width {width} is not divisible by {num_heads} heads")
        self.num_heads = num_heads
        self.head_dim = width // num_heads
        self.q_proj, self.k_proj, self.v_proj = (nn.Linear(dim, width) for _ in range(3))
        self.out_proj = nn.Linear(width, dim)
        self.dropout = dropout
        for linear in (self.q_proj, self.k_proj, self.v_proj, self.out_proj):
            nn.init.xavier_uniform_(linear.weight)
            nn.init.zeros_(linear.bias)

    def project_key_value(self, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor]:
        """Keys and values (N, B, dim) -> per-head projections (B, heads, N, head_dim) each."""
        return self._split(self.k_proj(key)), self._split(self.v_proj(value))

    def forward(self, query: Tensor, key: Tensor | None, value: Tensor | None,
                key_value: tuple[Tensor, Tensor] | None = None) -> Tensor:
        """``key_value``, if given, are :meth:`project_key_value`'s output and ``key``/``value`` are not read."""
        k, v = key_value if key_value is not None else self.project_key_value(key, value)
        out = F.scaled_dot_product_attention(self._split(self.q_proj(query)), k, v,
                                             dropout_p=self.dropout if self.training else 0.0)
        return self.out_proj(out.permute(2, 0, 1, 3).flatten(2))

    def _split(self, x: Tensor) -> Tensor:
        """(N, B, width) -> (B, heads, N, head_dim)."""
        return x.view(x.shape[0], x.shape[1], self.num_heads, self.head_dim).permute(1, 2, 0, 3)


# Ablation modules initialized by their own constructors: the transformer's official xavier pass skips them.
OWN_INITIALIZATION = (ConvRefinement, NarrowAttention)


class CascadeAttention(nn.Module):
    """Plain attention, then a narrower plain attention with the refined query ``query + out``.

    Output ``out + second(query + out, key, value)``; call signature, key/value projection caching and
    return value as :class:`AiAAttention` (the weights returned with ``need_weights`` are the first
    attention's). Both attentions have ``num_heads`` heads, so their cached projections are kept
    side by side along the last axis: (B, heads, N, head_dim + second head_dim).
    """

    def __init__(self, first: AiAAttention, width: int):
        super().__init__()
        if first.inner_attn is not None:
            raise ValueError("the first attention of a cascade must be plain (no inner attention)")
        self.first = first
        self.second = NarrowAttention(first.embed_dim, width, first.num_heads, first.attn_dropout.p)

    def project_key_value(self, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor]:
        """Both attentions' projections of keys and values (N, B, C), concatenated per head."""
        pairs = (self.first.project_key_value(key, value), self.second.project_key_value(key, value))
        return torch.cat([p[0] for p in pairs], dim=-1), torch.cat([p[1] for p in pairs], dim=-1)

    def forward(self, query: Tensor, key: Tensor | None, value: Tensor | None, key_pos: Tensor | None = None,
                need_weights: bool = False,
                key_value: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor | None]:
        k, v = key_value if key_value is not None else self.project_key_value(key, value)
        split = self.first.head_dim
        out, weights = self.first(query, None, None, need_weights=need_weights,
                                  key_value=(k[..., :split], v[..., :split]))
        refined = self.second(query + out, None, None, key_value=(k[..., split:], v[..., split:]))
        return out + refined, weights


def cascade_width(dim: int, num_heads: int, target_params: int) -> int:
    """Width (a multiple of ``num_heads``, at most ``dim``) whose :class:`NarrowAttention` parameter
    count is closest to ``target_params``."""
    widths = range(num_heads, dim + 1, num_heads)
    return min(widths, key=lambda width: abs(4 * dim * width + 3 * width + dim - target_params))


class ConvRefinedAttention(AiAAttention):
    """:class:`AiAAttention` whose ``inner_attn`` is a :class:`ConvRefinement` over its ``feat_size`` queries.

    Same call signature, parameters and state-dict keys as the AiA attention, with the conv block's
    parameters under ``inner_attn.block``.
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float, feat_size: int):
        super().__init__(embed_dim, num_heads, dropout, use_inner=False)
        self.inner_attn = ConvRefinement(feat_size)


def check_refinement(refinement: str) -> None:
    """Raise ``ValueError`` naming ``MODEL.AIA.REFINEMENT`` unless ``refinement`` is one of :data:`REFINEMENTS`."""
    if refinement not in REFINEMENTS:
        raise ValueError(f"MODEL.AIA.REFINEMENT = {refinement!r} is not one of {REFINEMENTS}")


def inner_attention_parameters(feat_size: int, match_dim: int) -> int:
    """Parameter count of one AiA inner attention of ``feat_size`` / ``match_dim`` (no weights are drawn)."""
    with torch.device("meta"):
        return _count(InnerAttention(feat_size, match_dim))


def build_attention(dim: int, num_heads: int, dropout: float, refine: bool, refinement: str, match_dim: int,
                    feat_size: int) -> AiAAttention | CascadeAttention:
    """One transformer attention: plain when not ``refine``, else refined as ``refinement`` says.

    ``aia`` gives exactly the official :class:`AiAAttention` (same modules, same draws from the
    random generator). Raises ``ValueError`` naming ``MODEL.AIA.REFINEMENT`` for an unknown ``refinement``.
    """
    check_refinement(refinement)
    if not refine or refinement == "aia":
        return AiAAttention(dim, num_heads, dropout, refine, match_dim, feat_size)
    if refinement == "conv":
        return ConvRefinedAttention(dim, num_heads, dropout, feat_size)
    width = cascade_width(dim, num_heads, inner_attention_parameters(feat_size, match_dim))
    return CascadeAttention(AiAAttention(dim, num_heads, dropout, use_inner=False), width)


def describe_refinement(transformer: nn.Module, feat_size: int, match_dim: int) -> str:
    """One line: how many attentions refine their correlations, with how many parameters, compared
    with as many AiA inner attentions of ``feat_size`` / ``match_dim``."""
    modules = [m for m in transformer.modules() if isinstance(m, (InnerAttention, ConvRefinement))]
    modules += [m.second for m in transformer.modules() if isinstance(m, CascadeAttention)]
    if not modules:
        return "correlation refinement: none (AiA off)"
    kinds = sorted({type(m).__name__ for m in modules})
    used = sum(_count(m) for m in modules)
    aia = inner_attention_parameters(feat_size, match_dim) * len(modules)
    return (f"correlation refinement ({', '.join(kinds)}) in {len(modules)} attention(s): {used:,} parameters "
            f"(AiA inner attention: {aia:,}, {(used - aia) / aia:+.1%})")


def _count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


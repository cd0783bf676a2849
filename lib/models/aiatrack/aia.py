"""Attention in Attention (AiA): multi-head attention whose logits are refined by an inner attention.

Outer attention (Q14): packed input projection (q, k, v thirds of ``in_proj_weight``), q divided by
sqrt(head_dim) before the dot products, giving logits ``L`` (B, heads, Nq, Nk). The inner module adds
a correction, ``L' = L + inner(L)``, then softmax over the keys, ``softmax @ v`` and ``out_proj``.
No attention mask is ever applied (Q13): padding acts only through the position embeddings.

Inner attention (Q15): the key axis is cut into chunks of ``feat_size`` tokens (one chunk per
reference frame), and within each (batch, head, chunk) the keys attend to each other. A key's feature
is its column of ``Nq`` logits (all queries' affinities to it), so ``Nq`` must equal ``feat_size``:

    x = LayerNorm(corr_proj(column)) + key_position        # match_dim features, q and k input
    v = LayerNorm(column)                                   # no value projection
    A = softmax(q_proj(x) / sqrt(match_dim) @ k_proj(x)^T) @ v
    correction = A + out_proj(A)                            # inner residual

Because the inner attention's tokens are the keys, the logits are computed and kept key-major,
(B, heads, Nk, Nq) = ``k @ q^T``: every inner step then works on contiguous rows and the large
logit tensor is never transposed in memory. Inputs and outputs are sequence-first (N, B, C), as in
the rest of the model.

Factored inference form (``AiAAttention.factored_inner``, set by the tracker's inference preparation;
our derivation, exact in real arithmetic). A token is ``t_j = Q k_j`` (Q: the Nq scaled queries,
k_j: key j, both head_dim wide), so every Nq-wide step collapses to head_dim-wide products:

    corr_proj(t_j)   = (W_c Q) k_j + b_c
    value_norm(t_j)  = s_j * gamma * (Q - mean(Q)) k_j + beta,   s_j = 1 / sqrt(k_j^T S k_j + eps),
                       S = (Q - mean(Q))^T (Q - mean(Q)) / Nq    (LayerNorm mean and biased variance)
    correction       = (A K_s) P^T + 1 c^T,   K_s = rows s_j k_j,   P = (I + W_o) diag(gamma) (Q - mean(Q)),
                       c = beta + out_proj(beta)                  (rows of the softmax A sum to 1)

so the refined logits are ``[Q | P] @ [K | A K_s]^T + c`` (query-major), and the Nk x Nq x Nq
products of the value and output steps (two thirds of the transformer's FLOPs) become
Nk x chunk x head_dim ones. ``c`` depends on the query only, so it cancels in the softmax over the
keys and is left out. Valid without dropout only (eval mode).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["AiAAttention", "InnerAttention"]


class InnerAttention(nn.Module):
    """Refines outer attention logits by letting the keys of each reference chunk attend to each other."""

    def __init__(self, feat_size: int, match_dim: int, dropout: float = 0.0):
        super().__init__()
        self.feat_size = feat_size
        self.match_dim = match_dim
        self.corr_proj = nn.Linear(feat_size, match_dim)
        self.corr_norm = nn.LayerNorm(match_dim)
        self.value_norm = nn.LayerNorm(feat_size)
        self.q_proj = nn.Linear(match_dim, match_dim)
        self.k_proj = nn.Linear(match_dim, match_dim)
        self.out_proj = nn.Linear(feat_size, feat_size)
        self.attn_dropout = nn.Dropout(dropout)
        self.out_dropout = nn.Dropout(dropout)
        for linear in (self.q_proj, self.k_proj, self.out_proj):
            nn.init.zeros_(linear.bias)

    def forward(self, key_logits: Tensor, key_pos: Tensor) -> Tensor:
        """Correction for key-major logits (B, H, Nk, Nq), given key positions ``key_pos`` (Nk, B, match_dim).

        Row j of ``key_logits`` is key j's column of query logits, i.e. the inner attention's token
        feature; the correction is returned in the same key-major layout.
        """
        batch, heads, num_keys, num_queries = key_logits.shape
        chunk = self.feat_size
        if num_queries != chunk or num_keys % chunk:
            raise ValueError(f"AiA inner attention needs {chunk} queries and a multiple of {chunk} keys "
                             f"(FEAT_SIZE), got {num_queries} queries and {num_keys} keys")
        chunks = num_keys // chunk
        tokens = key_logits.reshape(batch, heads, chunks, chunk, num_queries)       # (B, H, chunks, keys, Nq)
        pos = key_pos.view(chunks, chunk, batch, self.match_dim).permute(2, 0, 1, 3).unsqueeze(1)
        x = self.corr_norm(self.corr_proj(tokens)) + pos
        q = self.q_proj(x) / math.sqrt(self.match_dim)
        k = self.k_proj(x)
        weights = self.attn_dropout(torch.softmax(q @ k.transpose(-2, -1), dim=-1))
        refined = weights @ self.value_norm(tokens)
        refined = self.out_dropout(refined + self.out_proj(refined))
        return refined.reshape(batch, heads, num_keys, num_queries)

    def factored_refined_logits(self, query: Tensor, key: Tensor, key_pos: Tensor) -> Tensor:
        """Refined logits ``L + correction - c``, query-major (B, H, Nq, Nk), by the factored form (module doc).

        ``query`` (B, H, Nq, head_dim) already divided by sqrt(head_dim), ``key`` (B, H, Nk, head_dim),
        ``key_pos`` (Nk, B, match_dim). Equal to the key-major ``L + forward(L, key_pos)``
        (transposed) minus the per-query constant ``c``, up to float rounding: the same softmax over
        the keys. Eval mode only (no dropout). Raises ValueError on sizes as :meth:`forward`.
        """
        if self.training and (self.attn_dropout.p > 0 or self.out_dropout.p > 0):
            raise RuntimeError("the factored AiA form has no dropout: use it in eval mode")
        batch, heads, num_keys, head_dim = key.shape
        num_queries, chunk = query.shape[2], self.feat_size
        if num_queries != chunk or num_keys % chunk:
            raise ValueError(f"AiA inner attention needs {chunk} queries and a multiple of {chunk} keys "
                             f"(FEAT_SIZE), got {num_queries} queries and {num_keys} keys")
        chunks = num_keys // chunk
        centered = query - query.mean(dim=2, keepdim=True)                        # (B, H, Nq, d)
        covariance = centered.transpose(-2, -1) @ centered / num_queries          # (B, H, d, d)
        variance = ((key @ covariance) * key).sum(dim=-1, keepdim=True)           # (B, H, Nk, 1)
        scaled_key = key * torch.rsqrt(variance + self.value_norm.eps)
        corr = torch.matmul(key, query.transpose(-2, -1) @ self.corr_proj.weight.t()) + self.corr_proj.bias
        pos = key_pos.view(chunks, chunk, batch, self.match_dim).permute(2, 0, 1, 3).unsqueeze(1)
        x = self.corr_norm(corr.view(batch, heads, chunks, chunk, self.match_dim)) + pos
        # A K_s per chunk, A = softmax(q k^T / sqrt(match_dim)): one fused attention call
        mixed = F.scaled_dot_product_attention(self.q_proj(x).flatten(0, 1), self.k_proj(x).flatten(0, 1),
                                               scaled_key.view(batch * heads, chunks, chunk, head_dim))
        value_side = centered * self.value_norm.weight[:, None]                  # diag(gamma) (Q - mean)
        value_side = value_side + self.out_proj.weight @ value_side               # (I + W_o) ...
        left = torch.cat((query, value_side), dim=-1)                             # (B, H, Nq, 2d)
        right = torch.cat((key, mixed.reshape(batch, heads, num_keys, head_dim)), dim=-1)
        return left @ right.transpose(-2, -1)                                     # (B, H, Nq, Nk)


class AiAAttention(nn.Module):
    """Multi-head attention with an optional AiA inner module; self- or cross-attention.

    ``use_inner=False`` gives plain multi-head attention (no ``inner_attn`` parameters), the ablation
    switch of ``MODEL.AIA``. ``factored_inner = True`` (eval mode only) computes the AiA logits by
    :meth:`InnerAttention.factored_refined_logits` instead of materializing and refining ``L``; the
    inner module's forward (and its hooks) then never runs.
    """

    factored_inner: bool = False

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, use_inner: bool = True,
                 match_dim: int = 64, feat_size: int = 400):
        super().__init__()
        if embed_dim % num_heads:
            raise ValueError(f"HIDDEN_DIM ({embed_dim}) must be divisible by NHEADS ({num_heads})")
        self.embed_dim = embed_dim
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads
        self.in_proj_weight = nn.Parameter(torch.empty(3 * embed_dim, embed_dim))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * embed_dim))
        self.out_proj = nn.Linear(embed_dim, embed_dim)
        self.inner_attn = InnerAttention(feat_size, match_dim, dropout) if use_inner else None
        self.attn_dropout = nn.Dropout(dropout)
        nn.init.xavier_uniform_(self.in_proj_weight)
        nn.init.zeros_(self.out_proj.bias)

    def project_key_value(self, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor]:
        """Input projections of keys and values (N, B, C) -> per-head (B, H, N, head_dim) each.

        Row-wise, so projections of frames can be computed once and concatenated along N later.
        """
        batch = key.shape[1]
        _, w_k, w_v = self.in_proj_weight.chunk(3)
        _, b_k, b_v = self.in_proj_bias.chunk(3)
        return (self._split_heads(F.linear(key, w_k, b_k), batch),
                self._split_heads(F.linear(value, w_v, b_v), batch))

    def forward(self, query: Tensor, key: Tensor | None, value: Tensor | None, key_pos: Tensor | None = None,
                need_weights: bool = False,
                key_value: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor | None]:
        """Attend ``query`` (Nq, B, C) to ``key``/``value`` (Nk, B, C).

        ``key_pos`` (Nk, B, match_dim) is the inner module's position term (required with AiA).
        ``key_value``, if given, are the already projected keys and values (see
        :meth:`project_key_value`) and ``key``/``value`` are not read.
        Returns the output (Nq, B, C) and, with ``need_weights``, the head-averaged attention
        probabilities (B, Nq, Nk).
        """
        num_queries, batch, _ = query.shape
        w_q, b_q = self.in_proj_weight[:self.embed_dim], self.in_proj_bias[:self.embed_dim]
        q = self._split_heads(F.linear(query, w_q, b_q), batch) / math.sqrt(self.head_dim)
        k, v = key_value if key_value is not None else self.project_key_value(key, value)
        if self.inner_attn is not None and key_pos is None:
            raise ValueError("AiA attention needs key_pos (the keys' inner position embedding)")
        if self.factored_inner and isinstance(self.inner_attn, InnerAttention):
            weights = torch.softmax(self.inner_attn.factored_refined_logits(q, k, key_pos), dim=-1)
        else:
            # Logits are kept key-major (B, H, Nk, Nq), the layout the inner attention works in, so no
            # transposed copy of this large tensor is ever made; the softmax runs over the key axis.
            key_logits = k @ q.transpose(-2, -1)
            if self.inner_attn is not None:
                key_logits = key_logits + self.inner_attn(key_logits, key_pos)
            weights = torch.softmax(key_logits, dim=-2).transpose(-2, -1)       # (B, H, Nq, Nk)
        out = self.attn_dropout(weights) @ v                                    # (B, H, Nq, head_dim)
        out = self.out_proj(out.permute(2, 0, 1, 3).reshape(num_queries, batch, self.embed_dim))
        return out, (weights.mean(dim=1) if need_weights else None)

    def _split_heads(self, x: Tensor, batch: int) -> Tensor:
        """(N, B, C) -> (B, H, N, head_dim)."""
        return x.view(x.shape[0], batch, self.num_heads, self.head_dim).permute(1, 2, 0, 3)

"""AiATrack transformer: post-norm AiA encoder and a decoder with long- and short-term AiA cross-attention.

Encoder layer (Q12): q = k = src + pos, v = src; src = LN1(src + attn); src = LN2(src + FFN(src)).
There is no final encoder norm. Decoder layer (Q16): the search memory is the target (no position
term); it attends separately to the long-term reference and to the concatenated short-term
references, whose keys are their memories and values their memories plus target/background
embeddings; tgt = LN1(tgt + long + short), then FFN and LN2. The decoder ends with a LayerNorm.
All tensors are sequence-first (N, B, C).

The ablations of the paper's Tables 3 and 4 are constructor arguments: which attentions AiA refines
and how (``lib.models.aiatrack.refinement``), and which cross-attentions the decoder has
(``lib.models.aiatrack.reference_variants``). The defaults build the official model.
"""
from __future__ import annotations

from typing import NamedTuple

from torch import Tensor, nn

from lib.models.aiatrack.reference_variants import decoder_attentions
from lib.models.aiatrack.refinement import OWN_INITIALIZATION, build_attention

__all__ = ["AiATransformer", "DecoderLayer", "EncoderLayer", "ReferenceTokens", "TransformerDecoder",
           "TransformerEncoder"]


class EncoderLayer(nn.Module):
    """Post-norm self-attention layer with AiA attention (refined as ``refinement`` says when ``use_aia``)."""

    def __init__(self, dim: int, num_heads: int, ffn_dim: int, dropout: float, use_aia: bool,
                 match_dim: int, feat_size: int, refinement: str = "aia"):
        super().__init__()
        self.self_attn = build_attention(dim, num_heads, dropout, use_aia, refinement, match_dim, feat_size)
        self.linear1 = nn.Linear(dim, ffn_dim)
        self.linear2 = nn.Linear(ffn_dim, dim)
        self.dropout = nn.Dropout(dropout)
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)

    def forward(self, src: Tensor, pos: Tensor, inr: Tensor) -> Tensor:
        """``src``/``pos`` (HW, B, C), ``inr`` (HW, B, match_dim) -> (HW, B, C)."""
        qk = src + pos
        src = self.norm1(src + self.dropout1(self.self_attn(qk, qk, src, key_pos=inr)[0]))
        return self.norm2(src + self.dropout2(self.linear2(self.dropout(self.linear1(src).relu()))))


class TransformerEncoder(nn.Module):
    """A stack of encoder layers (no final norm)."""

    def __init__(self, layers: list[EncoderLayer]):
        super().__init__()
        self.layers = nn.ModuleList(layers)

    def forward(self, src: Tensor, pos: Tensor, inr: Tensor) -> Tensor:
        for layer in self.layers:
            src = layer(src, pos, inr)
        return src


class ReferenceTokens(NamedTuple):
    """Keys (N, B, C), values (N, B, C) and inner positions (N, B, D) of reference frames, concatenated.

    ``projected``, if given, holds per decoder layer the attention's projected keys and values
    (B, H, N, head_dim) each; the layers then use them instead of projecting ``keys``/``values``
    (which may be ``None``).
    """

    keys: Tensor | None
    values: Tensor | None
    inr: Tensor
    projected: tuple[tuple[Tensor, Tensor], ...] | None = None

    def layer_key_value(self, layer: int) -> tuple[Tensor, Tensor] | None:
        """Projected keys and values for decoder layer ``layer``, or ``None`` to project here."""
        return None if self.projected is None else self.projected[layer]


class DecoderLayer(nn.Module):
    """Search memory attends to long-term and short-term references, then FFN (post-norm).

    ``long_term`` / ``short_term`` False leaves that cross-attention out (``None``), for the
    reference-mode ablations; ``refinement`` as in :class:`EncoderLayer`.
    """

    def __init__(self, dim: int, num_heads: int, ffn_dim: int, dropout: float, use_aia: bool,
                 match_dim: int, feat_size: int, refinement: str = "aia", long_term: bool = True,
                 short_term: bool = True):
        super().__init__()
        attention = (dim, num_heads, dropout, use_aia, refinement, match_dim, feat_size)
        self.long_term_attn = build_attention(*attention) if long_term else None
        self.short_term_attn = build_attention(*attention) if short_term else None
        self.linear1 = nn.Linear(dim, ffn_dim)
        self.linear2 = nn.Linear(ffn_dim, dim)
        self.dropout = nn.Dropout(dropout)
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.dropout_long = nn.Dropout(dropout)
        self.dropout_short = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)

    def forward(self, tgt: Tensor, long_term: ReferenceTokens | None, short_term: ReferenceTokens | None,
                index: int = 0) -> Tensor:
        """Layer ``index`` of the decoder (selects the references' projections, if any).

        A reference group may be ``None`` when its attention is absent (reference-mode ablations).
        """
        attended = tgt
        if self.long_term_attn is not None:
            long_out = self.long_term_attn(tgt, long_term.keys, long_term.values, key_pos=long_term.inr,
                                           key_value=long_term.layer_key_value(index))[0]
            attended = attended + self.dropout_long(long_out)
        if self.short_term_attn is not None:
            short_out = self.short_term_attn(tgt, short_term.keys, short_term.values, key_pos=short_term.inr,
                                             key_value=short_term.layer_key_value(index))[0]
            attended = attended + self.dropout_short(short_out)
        tgt = self.norm1(attended)
        return self.norm2(tgt + self.dropout2(self.linear2(self.dropout(self.linear1(tgt).relu()))))


class TransformerDecoder(nn.Module):
    """A stack of decoder layers followed by a LayerNorm."""

    def __init__(self, layers: list[DecoderLayer], dim: int):
        super().__init__()
        self.layers = nn.ModuleList(layers)
        self.norm = nn.LayerNorm(dim)

    def forward(self, tgt: Tensor, long_term: ReferenceTokens | None, short_term: ReferenceTokens | None) -> Tensor:
        for index, layer in enumerate(self.layers):
            tgt = layer(tgt, long_term, short_term, index)
        return self.norm(tgt)


class AiATransformer(nn.Module):
    """Encoder + decoder, built as the official model or as one of the paper's ablations.

    ``aia_encoder`` / ``aia_decoder`` switch the AiA refinement off per side, ``refinement`` picks
    it (``MODEL.AIA.REFINEMENT``) and ``reference_mode`` (``MODEL.REFERENCE.MODE``, kept as an
    attribute) the decoder's cross-attentions. Raises ``ValueError`` naming the config key for an
    unknown variant or fewer than one layer per side.
    """

    def __init__(self, dim: int, num_heads: int, num_encoder_layers: int, num_decoder_layers: int,
                 ffn_dim: int, dropout: float, match_dim: int, feat_size: int,
                 aia_encoder: bool = True, aia_decoder: bool = True, refinement: str = "aia",
                 reference_mode: str = "separate"):
        super().__init__()
        if num_encoder_layers < 1 or num_decoder_layers < 1:
            raise ValueError("ENC_LAYERS and DEC_LAYERS must be at least 1")
        long_term, short_term = decoder_attentions(reference_mode)
        self.reference_mode = reference_mode
        self.encoder = TransformerEncoder([
            EncoderLayer(dim, num_heads, ffn_dim, dropout, aia_encoder, match_dim, feat_size, refinement)
            for _ in range(num_encoder_layers)])
        self.decoder = TransformerDecoder([
            DecoderLayer(dim, num_heads, ffn_dim, dropout, aia_decoder, match_dim, feat_size, refinement,
                         long_term, short_term)
            for _ in range(num_decoder_layers)], dim)
        own = {id(p) for m in self.modules() if isinstance(m, OWN_INITIALIZATION) for p in m.parameters()}
        for parameter in self.parameters():  # the official initialization of the whole transformer
            if parameter.dim() > 1 and id(parameter) not in own:
                nn.init.xavier_uniform_(parameter)

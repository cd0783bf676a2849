"""Reference-embedding and reference-mixing variants of the paper's Table 3.

``MODEL.REFERENCE.EMBEDDING`` says how the target is marked in a reference's values (the keys are
always the plain encoder memory):

- ``embed``: memory + learned target/background embedding per token (official);
- ``mask``: memory multiplied by the binary target region (background tokens carry zero values),
  no learned embedding;
- ``none``: the plain memory.

``MODEL.REFERENCE.MODE`` says which references the decoder reads and how:

- ``separate``: long-term and short-term references in two cross-attentions (official);
- ``mixed``: all references concatenated in one cross-attention (the ``long_term_attn`` module);
- ``long``: the long-term reference only (``long_term_attn``);
- ``short``: the short-term references only (``short_term_attn``).

Each variant is built as such (:class:`lib.models.aiatrack.AiATrack` and
:class:`lib.models.aiatrack.transformer.AiATransformer` take these values as constructor arguments):
modules a variant does not use (the embeddings, an unused cross-attention) are never created, so
parameter counts and checkpoints match the variant. These are our reading of the paper's ablation.
"""
from __future__ import annotations

from typing import Sequence, TypeVar

from torch import Tensor

__all__ = ["EMBEDDINGS", "MODES", "check_embedding", "decoder_attentions", "group_references",
           "region_value_offset"]

EMBEDDINGS = ("embed", "mask", "none")
MODES = ("separate", "mixed", "long", "short")

Reference = TypeVar("Reference")

# mode -> (long-term cross-attention, short-term cross-attention) present in each decoder layer
_ATTENTIONS = {"separate": (True, True), "mixed": (True, False), "long": (True, False), "short": (False, True)}


def check_embedding(embedding: str) -> None:
    """Raise ``ValueError`` naming ``MODEL.REFERENCE.EMBEDDING`` unless ``embedding`` is one of :data:`EMBEDDINGS`."""
    if embedding not in EMBEDDINGS:
        raise ValueError(f"MODEL.REFERENCE.EMBEDDING = {embedding!r} is not one of {EMBEDDINGS}")


def decoder_attentions(mode: str) -> tuple[bool, bool]:
    """Whether a decoder layer has its (long-term, short-term) cross-attention under ``mode``.

    ``mixed`` reads all references through the long-term attention. Raises ``ValueError`` naming
    ``MODEL.REFERENCE.MODE`` for an unknown mode.
    """
    if mode not in _ATTENTIONS:
        raise ValueError(f"MODEL.REFERENCE.MODE = {mode!r} is not one of {MODES}")
    return _ATTENTIONS[mode]


def region_value_offset(kind: str, region: Tensor, memory: Tensor) -> Tensor:
    """What the ``mask`` / ``none`` variants add to the memory (HW, B, C) to form the reference values.

    ``region`` (B, H, W) is the target region map (1 = target). ``mask`` gives ``memory * (region - 1)``
    so that ``memory + offset == memory * region`` exactly for a binary region; ``none`` gives zeros.
    """
    if kind == "none":
        return memory.new_zeros(memory.shape)
    if kind == "mask":
        weights = region.flatten(1).transpose(0, 1)[..., None].to(memory.dtype)  # (HW, B, 1)
        return memory * (weights - 1)
    raise ValueError(f"no value offset for reference embedding {kind!r} (expected 'mask' or 'none')")


def group_references(mode: str, long_term: Sequence[Reference],
                     short_term: Sequence[Reference]) -> tuple[list[Reference], list[Reference]]:
    """References for the decoder's (long-term, short-term) cross-attentions under ``mode``.

    An empty list means that attention is absent. Raises ``ValueError`` when a needed list is empty.
    """
    needs = {"separate": (True, True), "mixed": (True, True), "long": (True, False), "short": (False, True)}
    if mode not in needs:
        raise ValueError(f"MODEL.REFERENCE.MODE = {mode!r} is not one of {MODES}")
    need_long, need_short = needs[mode]
    if (need_long and not long_term) or (need_short and not short_term):
        raise ValueError(f"reference mode {mode!r} needs {'long-term ' if need_long else ''}"
                         f"{'and ' if need_long and need_short else ''}{'short-term ' if need_short else ''}"
                         f"references, got {len(long_term)} long-term and {len(short_term)} short-term")
    if mode == "mixed":
        return list(long_term) + list(short_term), []
    return (list(long_term) if need_long else []), (list(short_term) if need_short else [])

"""The one place that maps state-dict keys of the official AiATrack model to ours and back.

Our module names equal the official ones except for these renames (applied to whole name segments):

=============================================  ==========================================
official                                       ours
=============================================  ==========================================
``backbone.0.body.<resnet>``                   ``backbone.<resnet>`` (torchvision names)
``box_head.*``                                 ``corner_head.*``
``<aia>.inner_attn.feat_norm1``                ``<aia>.inner_attn.corr_norm``
``<aia>.inner_attn.feat_norm2``                ``<aia>.inner_attn.value_norm``
``<aia>.inner_attn.corr_attn.q_proj_weight``   ``<aia>.inner_attn.q_proj.weight`` (same for
                                               ``k_proj``, ``*_bias`` -> ``.bias``)
``<aia>.inner_attn.corr_attn.out_proj.*``      ``<aia>.inner_attn.out_proj.*``
=============================================  ==========================================

Every other key (transformer layers, AiA outer projections, IoU head, embeddings, bottleneck) is
identical. The mapping is a bijection on the 423 official keys; tensors are never modified.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Mapping

from torch import Tensor

__all__ = ["is_official_state_dict", "official_key_to_ours", "official_to_ours", "our_key_to_official",
           "ours_to_official"]

# (official, ours) key prefixes
_PREFIXES: tuple[tuple[str, str], ...] = (
    ("backbone.0.body.", "backbone."),
    ("box_head.", "corner_head."),
)
# (official, ours) name fragments inside AiA inner-attention keys
_INNER: tuple[tuple[str, str], ...] = (
    (".inner_attn.feat_norm1.", ".inner_attn.corr_norm."),
    (".inner_attn.feat_norm2.", ".inner_attn.value_norm."),
    (".inner_attn.corr_attn.q_proj_weight", ".inner_attn.q_proj.weight"),
    (".inner_attn.corr_attn.k_proj_weight", ".inner_attn.k_proj.weight"),
    (".inner_attn.corr_attn.q_proj_bias", ".inner_attn.q_proj.bias"),
    (".inner_attn.corr_attn.k_proj_bias", ".inner_attn.k_proj.bias"),
    (".inner_attn.corr_attn.out_proj.", ".inner_attn.out_proj."),
)


def _rename(key: str, prefixes: tuple[tuple[str, str], ...], fragments: tuple[tuple[str, str], ...]) -> str:
    for old, new in prefixes:
        if key.startswith(old):
            key = new + key[len(old):]
            break
    for old, new in fragments:
        if old in key:
            return key.replace(old, new, 1)
    return key


def official_key_to_ours(key: str) -> str:
    """Our name for an official state-dict key (unchanged when the names agree)."""
    return _rename(key, _PREFIXES, _INNER)


def our_key_to_official(key: str) -> str:
    """The official name for one of our state-dict keys (unchanged when the names agree)."""
    return _rename(key, tuple((b, a) for a, b in _PREFIXES), tuple((b, a) for a, b in _INNER))


def official_to_ours(state_dict: Mapping[str, Tensor]) -> "OrderedDict[str, Tensor]":
    """Rename an official state dict (e.g. a checkpoint's ``'net'`` entry) to our module names."""
    return OrderedDict((official_key_to_ours(k), v) for k, v in state_dict.items())


def ours_to_official(state_dict: Mapping[str, Tensor]) -> "OrderedDict[str, Tensor]":
    """Rename our state dict to the official layout (loadable by the official code)."""
    return OrderedDict((our_key_to_official(k), v) for k, v in state_dict.items())


def is_official_state_dict(state_dict: Mapping[str, Tensor]) -> bool:
    """True if the keys use the official layout (its backbone lives under ``backbone.0.body.``)."""
    return any(key.startswith("backbone.0.body.") for key in state_dict)

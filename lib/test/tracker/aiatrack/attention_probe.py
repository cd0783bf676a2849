"""Forward hooks that record AiA attention maps and corner score maps while the model tracks.

No second forward path: the hooks sit on the modules that run during tracking and keep what they
see. For every attention with a correlation refinement (the AiA inner attention, or an ablation's
conv refinement) the hook on its ``inner_attn`` keeps the key-major logits ``M`` (B, H, Nk, Nq) it is
given and the correction it returns, so the attention before refinement is ``softmax(M)`` and after
it ``softmax(M + inner(M))`` (softmax over the keys), exactly what :class:`lib.models.aiatrack.aia.AiAAttention`
uses. The corner head's last convolutions give the top-left / bottom-right score maps. While the
probe is open, attentions prepared for tracking run the materialized (unfactored) AiA form, so the
inner module and its hook run; the factored form is restored on exit.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.utils.hooks import RemovableHandle

__all__ = ["AttentionProbe", "AttentionRecord"]


@dataclass
class AttentionRecord:
    """What one refined attention saw on its last call (batch entry 0 is used by the accessors)."""

    key_logits: Tensor   # (B, H, Nk, Nq), the outer logits M, key-major
    correction: Tensor   # (B, H, Nk, Nq), inner(M)

    def probabilities(self, refined: bool) -> Tensor:
        """Head-averaged attention (Nq, Nk) of batch entry 0; every row sums to 1.

        ``refined=False``: softmax of M; ``True``: softmax of M + inner(M).
        """
        logits = self.key_logits[0] + self.correction[0] if refined else self.key_logits[0]
        return torch.softmax(logits.float(), dim=-2).mean(dim=0).transpose(0, 1)

    def correlation(self, query: int, refined: bool) -> Tensor:
        """Head-averaged correlation vector (Nk,) of query ``query``: column of M (or M + inner(M))."""
        logits = self.key_logits[0, :, :, query]
        if refined:
            logits = logits + self.correction[0, :, :, query]
        return logits.float().mean(dim=0)


class AttentionProbe:
    """Context manager: ``with AttentionProbe(model) as probe: tracker.track(image)``.

    ``probe.attention`` maps the attention module's name (e.g. ``transformer.encoder.layers.0.self_attn``,
    ``transformer.decoder.layers.0.long_term_attn``) to its last :class:`AttentionRecord`;
    ``probe.corner_scores`` holds the last top-left and bottom-right corner logits, each (B, 1, H, W).
    Works for any model whose refined attentions have an ``inner_attn`` child and whose corner head has
    ``conv5_tl`` / ``conv5_br`` (AiATrack). Raises ``ValueError`` when the model has no refined attention.
    """

    def __init__(self, model: nn.Module):
        self.model = model
        self.attention: dict[str, AttentionRecord] = {}
        self.corner_scores: dict[str, Tensor] = {}
        self._handles: list[RemovableHandle] = []
        self._factored: list[nn.Module] = []

    def __enter__(self) -> "AttentionProbe":
        for name, module in self.model.named_modules():
            inner = getattr(module, "inner_attn", None)
            if isinstance(inner, nn.Module):
                self._handles.append(inner.register_forward_hook(self._attention_hook(name)))
                if getattr(module, "factored_inner", False):
                    module.factored_inner = False
                    self._factored.append(module)
        if not self._handles:
            self.close()
            raise ValueError("the model has no refined (AiA) attention to record: AiA is switched off")
        head = self.model.corner_head
        for corner in ("tl", "br"):
            self._handles.append(getattr(head, f"conv5_{corner}").register_forward_hook(self._corner_hook(corner)))
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Remove every hook (the model runs exactly as before)."""
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
        for module in self._factored:
            module.factored_inner = True
        self._factored.clear()

    def _attention_hook(self, name: str):
        def hook(module: nn.Module, inputs: tuple[Tensor, ...], output: Tensor) -> None:
            self.attention[name] = AttentionRecord(inputs[0].detach(), output.detach())
        return hook

    def _corner_hook(self, corner: str):
        def hook(module: nn.Module, inputs: tuple[Tensor, ...], output: Tensor) -> None:
            self.corner_scores[corner] = output.detach()
        return hook

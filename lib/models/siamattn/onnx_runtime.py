"""SiamAttn's prepared network backed by ONNX Runtime sessions of its exported graphs.

:class:`OrtSiamAttn` has the methods the tracker (``lib/test/tracker/siamattn/tracker.py``) calls on a
prepared model (``template_features``, ``track_features``, ``refine_box``, ``refine_mask``), with the same
tensor shapes, each running one graph of ``lib/models/siamattn/onnx_graphs.py``; the rest of the tracking
loop is unchanged. Tensors are float32 on the CPU (ONNX Runtime copies to its own device).
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from lib.utils.onnx_cache import Sessions, run

__all__ = ["OrtSiamAttn"]

TRACK_OUTPUTS = ("cls", "loc", "b_fused", "m_fused")


class OrtSiamAttn:
    """The prepared-model interface of SiamAttn over the graphs in ``folder`` (``refine_mask.onnx`` present
    exactly when the network has its mask branch). ``device`` picks the execution providers
    (``lib.utils.device.onnx_providers``)."""

    #: not None: the tracker takes the model as already prepared (the search stage is inside ``track.onnx``)
    search_stage = "track.onnx"

    def __init__(self, folder: Path, device: str | torch.device = "cpu") -> None:
        self.folder = Path(folder)
        self.mask_enabled = (self.folder / "refine_mask.onnx").exists()
        self._sessions = Sessions(self.folder, device, fold_batchnorm=False)
        for name in ("template.onnx", "track.onnx", "refine_box.onnx") + ("refine_mask.onnx",) * self.mask_enabled:
            self._sessions[name]  # fail now for a missing or broken graph, not on the first frame

    def parameters(self) -> Iterator[Tensor]:
        """One empty CPU tensor: the tracker places its inputs on the device of the model's parameters."""
        yield torch.empty(0)

    def template_features(self, z: Tensor) -> list[Tensor]:
        """z (1, 3, Z, Z) BGR 0..255 -> the neck features of levels 2-4, each (1, C, 7, 7)."""
        return [torch.from_numpy(f) for f in run(self._sessions["template.onnx"], template=_array(z))]

    def track_features(self, zf: list[Tensor], x: Tensor) -> dict[str, Tensor]:
        """Template features and the search crop (1, 3, X, X) -> ``cls``, ``loc``, ``b_fused`` (and ``m_fused``)."""
        levels = {f"zf{level}": _array(features) for level, features in zip((2, 3, 4), zf)}
        outputs = run(self._sessions["track.onnx"], search=_array(x), **levels)
        return {name: torch.from_numpy(value) for name, value in zip(TRACK_OUTPUTS, outputs)}

    def refine_box(self, b_fused: Tensor, rois: Tensor) -> Tensor:
        """``b_fused`` (1, C, 25, 25) and one RoI (1, 5) in crop pixels -> raw deltas (1, 4)."""
        return torch.from_numpy(run(self._sessions["refine_box.onnx"], b_fused=_array(b_fused), rois=_array(rois))[0])

    def refine_mask(self, m_fused: Tensor, rois: Tensor) -> Tensor:
        """``m_fused`` (1, C, 63, 63) and one RoI (1, 5) -> mask logits (1, 1, 64, 64); RuntimeError without
        the mask branch."""
        if not self.mask_enabled:
            raise RuntimeError("this SiamAttn model was built with MODEL.MASK False: it has no mask head")
        return torch.from_numpy(run(self._sessions["refine_mask.onnx"], m_fused=_array(m_fused), rois=_array(rois))[0])


def _array(tensor: Tensor) -> np.ndarray:
    return tensor.detach().to("cpu", torch.float32).contiguous().numpy()

"""Loading SiamAttn weights strictly and safely: the one place where checkpoint keys meet model keys.

Accepted files (all read by the restricted reader of :mod:`lib.utils.safe_pickle`, no pickled code runs):

* official pysot snapshots ``{'epoch', 'state_dict'}``;
* our trainer checkpoints ``{'net', 'config', 'epoch', ...}``;

either also when saved from a DataParallel/DDP or ``torch.compile`` wrapper (every key prefixed ``module.`` or
``_orig_mod.``; removed by :func:`~lib.utils.safe_pickle.strip_wrapper_prefix`, as for AiATrack).
Official key names equal ours (same module attribute names), so no other mapping is needed.
Tensors may be stored as strided views (as in the synthetic checkpoint of the optional official test data); they are
copied into the parameters by ``load_state_dict``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from torch import Tensor

from lib.utils.safe_pickle import CheckpointError, read_state_dict_entry, strip_wrapper_prefix
from lib.models.siamattn.model import SiamAttn

__all__ = ["load_siamattn_checkpoint"]

_ENTRIES = ("state_dict", "net")
_LISTED = 5


def _listing(keys: list[str]) -> str:
    shown = ", ".join(keys[:_LISTED])
    return shown if len(keys) <= _LISTED else f"{shown} (and {len(keys) - _LISTED} more)"


def load_siamattn_checkpoint(model: SiamAttn, path: str | Path) -> dict[str, Any]:
    """Load ``path`` into ``model``: every key present, none extra, every shape equal.

    Returns ``{'path', 'entry', 'epoch', 'num_tensors'}`` (``entry`` is ``state_dict`` for official files,
    ``net`` for ours). Raises :class:`~lib.utils.safe_pickle.CheckpointError` naming the file and the first
    missing, unexpected or mis-shaped keys.
    """
    stored, top = read_state_dict_entry(path, _ENTRIES)
    entry = next(e for e in _ENTRIES if e in top)
    state: dict[str, Tensor] = strip_wrapper_prefix(stored)[0]
    expected = model.state_dict()
    problems = []
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    wrong = [f"{k} (file {tuple(state[k].shape)}, model {tuple(expected[k].shape)})"
             for k in expected if k in state and state[k].shape != expected[k].shape]
    for label, keys in (("missing keys", missing), ("unexpected keys", unexpected), ("wrong shapes", wrong)):
        if keys:
            problems.append(f"{len(keys)} {label}: {_listing(keys)}")
    if problems:
        raise CheckpointError(path, "weights do not fit the SiamAttn model; " + "; ".join(problems))
    model.load_state_dict(state, strict=True)
    epoch = top.get("epoch") if isinstance(top, Mapping) else None
    return {"path": Path(path), "entry": entry, "epoch": epoch if isinstance(epoch, int) else None,
            "num_tensors": len(state)}

"""Export a tracker's per-frame networks as static-shape ONNX graphs, checked once through ONNX Runtime.

Example::

    python tracking/export_onnx.py                                   # AiATrack, checkpoints/ tiny weights
    python tracking/export_onnx.py --tracker siamattn --checkpoint SiamAttn.pth --config vot2018

The graphs go where ``--backend onnxruntime`` (``tracking/test.py``-style loaders, ``tracking/video_demo.py``)
looks for them: ``<checkpoint>.onnx/<key>/`` beside the checkpoint, or the user cache folder when that is
not writable (``lib/utils/onnx_cache.py``); the key changes with the weights, config, opset and shapes. The
graphs of each tracker and what is supported are described in docs/onnx.md. Exits 2 with one line for a
bad checkpoint or config, a tracker without ONNX export, or a graph that does not export (naming the
operator).
"""
from __future__ import annotations

import sys
from pathlib import Path

import torch

from lib.trackers import DEFAULT_TRACKER, build_network, get_plugin, tracker_names
from lib.trackers.weights import choose_weights, describe_weights
from lib.utils.cli import add_device_option, entry_parser
from lib.utils.onnx_cache import OnnxExportError


def main(argv: list[str] | None = None) -> int:
    parser = entry_parser(__doc__.split("\n")[0])
    parser.add_argument("--tracker", default=DEFAULT_TRACKER, choices=tracker_names(),
                        help=f"tracker to export (default: {DEFAULT_TRACKER})")
    parser.add_argument("--checkpoint", default=None,
                        help="weights (default: the tracker's checkpoint in checkpoints/, else random weights)")
    parser.add_argument("--config", default=None, help="experiment name or YAML file (default: the checkpoint's)")
    add_device_option(parser)
    args = parser.parse_args(argv)
    plugin = get_plugin(args.tracker)
    try:
        if plugin.prepare_onnx is None:
            raise ValueError(f"{plugin.label} has no ONNX export")
        weights = choose_weights(args.checkpoint, args.config, args.tracker, "fp32")
        print(describe_weights(weights))
        cfg = weights.config_node()
        checkpoint = None if weights.checkpoint is None else Path(weights.checkpoint)
        torch.manual_seed(0)  # random weights (no checkpoint) are the same in every process, as load_tracker's
        prepared = plugin.prepare_onnx(build_network(args.tracker, cfg, checkpoint), cfg, checkpoint,
                                       torch.device(args.device))
    except (OnnxExportError, RuntimeError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    folder = prepared.folder
    print(f"ONNX graphs in {folder}: {', '.join(sorted(path.name for path in folder.glob('*.onnx')))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

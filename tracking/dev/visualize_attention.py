"""Look at what AiA does to the attention: PNGs of one tracked frame, before and after the refinement.

The tracker runs the video up to ``--frame``; on that frame forward hooks (lib/test/tracker/aiatrack/attention_probe.py)
record, from the very modules that track, every AiA attention's logits M and correction inner(M), and the
corner heads' score maps. Written to ``--output`` (one PNG each):

- ``encoder_layer<k>.png``: encoder self-attention of each query point, softmax(M) and softmax(M + inner(M)),
  over the search crop;
- ``decoder_layer<k>_<long_term|short_term>.png``: the decoder cross-attention of each query point over the
  reference crops it attends to (the long-term reference, or the selected short-term references);
- ``correlation_vectors.png``: the correlation vector (head-averaged column of M) of each query point before
  and after AiA, per attention (the paper's Figure 4 style);
- ``corner_scores.png``: softmax of the top-left and bottom-right corner score maps over the search crop.

Query points default to the predicted target centre and the background token farthest from it (``--query``
sets them, in search-crop pixels). Maps are averaged over heads; a white cross marks the query.

Examples::

    python tracking/quickstart.py   # renders output/quickstart/got10k (synthetic videos)
    python tracking/dev/visualize_attention.py --dataset got10k_val --sequence <name> \\
        --settings output/quickstart/settings.yaml --frame 20
    python tracking/dev/visualize_attention.py --video clip.mp4 --init-bbox 10,20,60,80 --frame 40 \\
        --checkpoint AIATRACK_ep0500.pth.tar --config baseline --device cuda
"""
from __future__ import annotations

import argparse
import sys
from itertools import islice
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from lib.models.aiatrack.reference_variants import group_references  # noqa: E402
from lib.test.evaluation import BENCHMARKS, load_benchmark, tracking_traits  # noqa: E402
from lib.test.tracker.aiatrack import AiATracker  # noqa: E402
from lib.test.tracker.aiatrack.attention_probe import AttentionProbe  # noqa: E402
from lib.trackers import DEFAULT_TRACKER, get_plugin, tracker_names  # noqa: E402
from lib.trackers.weights import choose_weights, describe_weights, load_tracker_from_weights  # noqa: E402
from lib.utils.cli import (add_device_option, add_precision_option, add_settings_options, add_torch_threads_option,  # noqa: E402
                           apply_torch_threads, entry_parser, settings_from_args)
from lib.utils.crop import crop_search_region  # noqa: E402
from lib.utils.image import read_image  # noqa: E402
from lib.utils.video import FrameSource, parse_box  # noqa: E402

CAPABILITY = "attention_probe"  # a tracker whose attentions lib/test/tracker/aiatrack/attention_probe.py records

COLORMAP = "jet"
ALPHA = 0.55  # weight of the heat map in an overlay


def heat_overlay(crop: np.ndarray, token_map: np.ndarray) -> np.ndarray:
    """Blend a (side, side) map, scaled to its maximum, over an (S, S, 3) uint8 crop -> (S, S, 3) uint8.

    Each token covers an (S/side)-pixel square (nearest upsampling), so the hottest colour lies exactly
    on the peak token's pixels. Raises ``ValueError`` when S is not a multiple of side.
    """
    side = token_map.shape[0]
    size = crop.shape[0]
    if size % side or token_map.shape != (side, side):
        raise ValueError(f"a {token_map.shape} map does not tile a {crop.shape[:2]} crop")
    peak = float(token_map.max())
    scaled = token_map / peak if peak > 0 else token_map
    block = size // side
    heat = plt.get_cmap(COLORMAP)(np.kron(scaled, np.ones((block, block))))[..., :3] * 255.0
    return np.round((1 - ALPHA) * crop.astype(np.float64) + ALPHA * heat).astype(np.uint8)


def default_queries(centre_xy: tuple[float, float], padding: np.ndarray, side: int) -> list[int]:
    """Token indices of the target centre (crop-normalized x, y) and the non-padding token farthest from it."""
    row = min(int(centre_xy[1] * side), side - 1)
    col = min(int(centre_xy[0] * side), side - 1)
    rows, cols = np.divmod(np.arange(side * side), side)
    distance = (rows - row) ** 2 + (cols - col) ** 2
    distance[padding.reshape(-1)] = -1
    return [row * side + col, int(np.argmax(distance))]


def query_tokens(points: list[list[float]], crop_size: int, side: int) -> list[int]:
    """Token indices of points (x, y) in search-crop pixels; raises ``ValueError`` outside the crop."""
    tokens = []
    for x, y in points:
        if not (0 <= x < crop_size and 0 <= y < crop_size):
            raise ValueError(f"--query {x},{y} lies outside the {crop_size}x{crop_size} search crop")
        tokens.append(int(y * side / crop_size) * side + int(x * side / crop_size))
    return tokens


def _mark(ax: plt.Axes, token: int, side: int, crop_size: int) -> None:
    block = crop_size / side
    ax.plot((token % side + 0.5) * block, (token // side + 0.5) * block, "w+", markersize=14, markeredgewidth=2)


def plot_attention(path: Path, title: str, record, queries: list[int], key_crops: list[np.ndarray],
                   search_crop: np.ndarray, side: int) -> None:
    """One row per query: the query on the search crop, then before/after maps over each key crop."""
    columns = 1 + 2 * len(key_crops)
    figure, axes = plt.subplots(len(queries), columns, figsize=(2.4 * columns, 2.6 * len(queries)), squeeze=False)
    size = search_crop.shape[0]
    for row, token in enumerate(queries):
        axes[row, 0].imshow(search_crop)
        _mark(axes[row, 0], token, side, size)
        axes[row, 0].set_title(f"query {token} (row {token // side}, col {token % side})", fontsize=8)
        for stage, refined in enumerate((False, True)):
            probs = record.probabilities(refined)[token].float().cpu().numpy()
            for chunk, crop in enumerate(key_crops):
                ax = axes[row, 1 + chunk * 2 + stage]
                ax.imshow(heat_overlay(crop, probs[chunk * side * side:(chunk + 1) * side * side].reshape(side, side)))
                share = probs[chunk * side * side:(chunk + 1) * side * side].sum()
                ax.set_title(f"{'after' if refined else 'before'} AiA, key frame {chunk} ({share:.0%})", fontsize=8)
    for ax in axes.flat:
        ax.axis("off")
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)


def plot_correlations(path: Path, records: dict, queries: list[int]) -> None:
    """Correlation vectors (head-averaged logits over the keys) before and after AiA, per attention and query."""
    figure, axes = plt.subplots(len(records), len(queries), figsize=(5 * len(queries), 2.4 * len(records)),
                                squeeze=False)
    for row, (name, record) in enumerate(records.items()):
        for col, token in enumerate(queries):
            ax = axes[row, col]
            ax.plot(record.correlation(token, refined=False).float().cpu().numpy(), label="M (before)", linewidth=0.8)
            ax.plot(record.correlation(token, refined=True).float().cpu().numpy(), label="M + inner(M) (after)", linewidth=0.8)
            ax.set_title(f"{name.removeprefix('transformer.')}, query {token}", fontsize=8)
            ax.set_xlabel("key index", fontsize=7)
            ax.tick_params(labelsize=7)
    axes[0, 0].legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)


def plot_corners(path: Path, scores: dict, search_crop: np.ndarray) -> None:
    """Softmax of the top-left and bottom-right corner score maps over the search crop."""
    figure, axes = plt.subplots(1, 2, figsize=(6, 3.2))
    for ax, corner in zip(axes, ("tl", "br")):
        logits = scores[corner][0, 0].float()
        prob = torch.softmax(logits.flatten(), dim=0).reshape(logits.shape).cpu().numpy()
        ax.imshow(heat_overlay(search_crop, prob))
        ax.set_title(f"{'top-left' if corner == 'tl' else 'bottom-right'} corner (peak {prob.max():.2f})", fontsize=8)
        ax.axis("off")
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)


def run_to_frame(tracker: AiATracker, frames, init_box: list[float], frame_index: int,
                 queries: list[int] | None, output: Path) -> list[Path]:
    """Track ``frames`` (an iterator of RGB images) up to ``frame_index`` and plot that frame; returns the PNGs.

    ``queries`` are token indices (:func:`query_tokens`); None = :func:`default_queries` of that frame.
    """
    size, factor = tracker.search_size, tracker.search_factor
    first = next(frames)
    crops = {0: crop_search_region(first, init_box, factor, size).image}
    tracker.initialize(first, {"init_bbox": init_box})
    index = 0
    for index, image in enumerate(frames, start=1):
        crop = crop_search_region(image, tracker.state, factor, size)
        if index == frame_index:
            break
        crops[index] = crop.image
        tracker.track(image)
        kept = set(tracker.memory.frame_indices())
        crops = {k: v for k, v in crops.items() if k in kept}
    else:
        raise ValueError(f"--frame {frame_index}: the video has only {index + 1} frame(s)")
    model = tracker.model
    with AttentionProbe(model) as probe:
        step = tracker.predict_step(image)
    side = model.feat_side
    padding = step.encoded.mask[0].view(side, side).cpu().numpy()
    centre = step.pred_boxes_cxcywh_norm[0, :2].tolist()
    queries = queries or default_queries(centre, padding, side)

    by_index = {id(entry.reference): entry.frame_index for entry in tracker.memory.entries}
    long_term, short_term = group_references(model.reference_mode, tracker.memory.long_term(),
                                             tracker.memory.short_term())
    output.mkdir(parents=True, exist_ok=True)
    written = []
    for name, record in probe.attention.items():
        parts = name.split(".")
        layer = parts[-2]
        if parts[1] == "encoder":
            path, keys, title = output / f"encoder_layer{layer}.png", [crop.image], "encoder self-attention"
        else:
            group = long_term if parts[-1] == "long_term_attn" else short_term
            frames_used = [by_index[id(reference)] for reference in group]
            path = output / f"decoder_layer{layer}_{parts[-1].removesuffix('_attn')}.png"
            keys = [crops[k] for k in frames_used]
            title = f"decoder {parts[-1]} cross-attention, reference frames {frames_used}"
        plot_attention(path, f"{title}; frame {frame_index} (cross = query)", record, queries, keys, crop.image, side)
        written.append(path)
    plot_correlations(output / "correlation_vectors.png", probe.attention, queries)
    plot_corners(output / "corner_scores.png", probe.corner_scores, crop.image)
    return written + [output / "correlation_vectors.png", output / "corner_scores.png"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = entry_parser(__doc__)
    parser.add_argument("--tracker", choices=tracker_names(), default=DEFAULT_TRACKER,
                        help=f"tracker (default: {DEFAULT_TRACKER}); one offering the {CAPABILITY} capability")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--video", help="video file or folder of frames (needs --init-bbox)")
    source.add_argument("--dataset", choices=sorted(BENCHMARKS), help="benchmark holding --sequence")
    parser.add_argument("--sequence", help="sequence name in --dataset")
    add_settings_options(parser)
    parser.add_argument("--init-bbox", type=parse_box, help="x,y,w,h of the target in the first video frame")
    parser.add_argument("--frame", type=int, default=10, help="frame to visualize (>= 1, default: 10)")
    parser.add_argument("--query", action="append", type=lambda t: [float(v) for v in t.split(",")],
                        metavar="X,Y", help="query point in search-crop pixels, 0 <= X, Y < TEST.SEARCH_SIZE "
                                            "(128 for the tiny weights; repeatable; default: target centre and "
                                            "a background point)")
    parser.add_argument("--checkpoint", default=None, help="weights (default: the embedded tiny checkpoint)")
    parser.add_argument("--config", default=None, help="experiment of the weights (default: the checkpoint's own)")
    add_device_option(parser)
    add_precision_option(parser)
    add_torch_threads_option(parser)
    parser.add_argument("--output", type=Path, default=Path("output/attention"), help="PNG folder")
    args = parser.parse_args(argv)
    if CAPABILITY not in get_plugin(args.tracker).capabilities:
        offering = [name for name in tracker_names() if CAPABILITY in get_plugin(name).capabilities]
        parser.error(f"{get_plugin(args.tracker).label} offers no attention maps (no {CAPABILITY} capability); "
                     f"trackers that do: {', '.join(offering)}")
    if args.video and args.init_bbox is None:
        parser.error("--video needs --init-bbox")
    if args.dataset and not args.sequence:
        parser.error("--dataset needs --sequence")
    if args.frame < 1:
        parser.error("--frame must be >= 1 (frame 0 initializes the tracker)")
    if args.query and any(len(q) != 2 for q in args.query):
        parser.error("--query takes X,Y")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    apply_torch_threads(args.torch_threads)
    try:
        weights = choose_weights(args.checkpoint, args.config, args.tracker, args.precision)
        if args.dataset:
            benchmark = load_benchmark(args.dataset, settings_from_args(args), sequences=[args.sequence])
            sequences = [s for s in benchmark if s.name == args.sequence]
            if not sequences:
                raise ValueError(f"no sequence named {args.sequence!r} in {args.dataset}")
            frames, init_box = (read_image(f) for f in sequences[0].frames), sequences[0].init_box_xywh
        else:
            frames, init_box = iter(FrameSource(args.video)), args.init_bbox
        print(describe_weights(weights))
        tracker = load_tracker_from_weights(weights, args.device)(tracking_traits(args.dataset or "default"))
        queries = query_tokens(args.query, tracker.search_size, tracker.model.feat_side) if args.query else None
        with torch.inference_mode():
            written = run_to_frame(tracker, islice(frames, args.frame + 1), init_box, args.frame, queries,
                                   args.output)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

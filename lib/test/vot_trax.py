"""Serve one of our trackers to the VOT toolkit over TraX (``vot-trax`` 4.x), for ``vot evaluate``.

Run by the toolkit (``protocol = traxpython`` in ``trackers.ini``, see README "VOT")::

    python -m lib.test.vot_trax --tracker aiatrack --param baseline --checkpoint AIATRACK_ep0500.pth.tar
    python -m lib.test.vot_trax --tracker siamattn     # the shipped tiny SiamAttn weights

Weights and config are chosen as in ``lib/trackers/weights.py`` (a checkpoint of ``tracking/train.py``
brings its own config). Weights that do not fit the config, or a missing checkpoint, stop the entry with
one line on stderr (exit status 2) before the TraX handshake.

The toolkit sends image paths and the ground-truth region (rectangle, polygon or mask); the tracker is
initialised on its axis-aligned box exactly as the native runner does it (``vot_runner.init_box``; a
fresh tracker per initialisation) and every frame's answer goes back as a rectangle, as a polygon when
the tracker returns ``target_polygon`` and the ground truth is a polygon, or as a mask when it returns
``target_mask`` and the ground truth is a mask (VOT2020, VOT2022 ``shortterm``). Only stderr is written:
stdout may be the TraX channel.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import Any

import numpy as np

from lib.test.evaluation import tracking_traits
from lib.test.evaluation.vot import MaskRegion, PolygonRegion, RectangleRegion, Region
from lib.test.evaluation.vot_runner import INIT_METHODS, init_box, output_region
from lib.trackers import DEFAULT_TRACKER, tracker_names
from lib.test.tracker.base import InitStyle
from lib.trackers import TrackerFactory
from lib.trackers.weights import choose_weights, load_tracker_from_weights
from lib.utils.cli import (add_device_option, add_precision_option, add_torch_threads_option, apply_torch_threads,
                           entry_parser)
from lib.utils.image import read_image


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = entry_parser(__doc__)
    parser.add_argument("--tracker", default=DEFAULT_TRACKER, choices=tracker_names(),
                        help=f"tracker (default: {DEFAULT_TRACKER})")
    parser.add_argument("--param", default=None,
                        help="experiment name or YAML (default: the checkpoint's own config, see "
                             "lib/trackers/weights.py)")
    parser.add_argument("--checkpoint", default=None,
                        help="weights (default: the tracker's shipped checkpoint in checkpoints/)")
    parser.add_argument("--dataset", default="vot", help="dataset name selecting hyper-parameters (default: vot)")
    parser.add_argument("--init", default="area", choices=INIT_METHODS,
                        help="box from a polygon: area-preserving (default, as SiamRPN++/SiamAttn) or min-max hull")
    add_device_option(parser)
    add_precision_option(parser)
    add_torch_threads_option(parser)
    return parser.parse_args(argv)


def from_trax(region: Any) -> Region:
    """A TraX region as one of ours (floats as the C library holds them)."""
    from trax.region import Region as TraxRegion

    if region.type == TraxRegion.RECTANGLE:
        return RectangleRegion(*(float(v) for v in region.bounds()))
    if region.type == TraxRegion.POLYGON:
        return PolygonRegion(np.array(list(region), dtype=np.float64))
    if region.type == TraxRegion.MASK:
        x0, y0 = region.offset()
        return MaskRegion(int(x0), int(y0), region.array() > 0)
    raise ValueError(f"unsupported TraX region type {region.type!r}")


def to_trax(region: Region) -> Any:
    """One of our rectangle/polygon/mask regions as a TraX region."""
    from trax.region import Mask, Polygon, Rectangle

    if isinstance(region, PolygonRegion):
        return Polygon.create([(float(x), float(y)) for x, y in region.points])
    if isinstance(region, MaskRegion):
        return Mask.create(np.ascontiguousarray(region.mask, dtype=np.uint8), region.x0, region.y0)
    return Rectangle.create(region.x, region.y, region.w, region.h)


def load(args: argparse.Namespace) -> TrackerFactory:
    """The tracker factory of the parsed arguments (FileNotFoundError, ValueError when the weights do not fit)."""
    apply_torch_threads(args.torch_threads)
    weights = choose_weights(args.checkpoint, args.param, args.tracker, args.precision)
    factory = load_tracker_from_weights(weights, args.device)
    print(f"vot_trax: {args.tracker}, {weights.description}", file=sys.stderr)
    return factory


def serve(args: argparse.Namespace, factory: TrackerFactory) -> None:
    """Answer the toolkit's requests until it quits."""
    import trax
    from trax.image import Image
    from trax.region import Region as TraxRegion

    formats = [TraxRegion.RECTANGLE, TraxRegion.POLYGON, TraxRegion.MASK]
    with trax.Server(formats, [Image.PATH], metadata={"tracker": args.tracker}) as server:
        tracker, polygon, mask = None, False, False
        while True:
            request = server.wait()
            if request.type == trax.TraxStatus.QUIT:
                break
            image = read_image(request.image["color"].path())
            if request.type == trax.TraxStatus.INITIALIZE:
                region = from_trax(request.objects[0][0])
                # TraX hands VOT regions whatever the HYPER row: the tracker starts the VOT way.
                tracker = factory(replace(tracking_traits(args.dataset), init_style=InitStyle.VOT_REGION))
                tracker.initialize(image, {"init_bbox": init_box(region, args.init)})
                polygon, mask = isinstance(region, PolygonRegion), isinstance(region, MaskRegion)
                server.status([(request.objects[0][0], {})])
            elif tracker is None:
                raise RuntimeError("TraX frame request before any initialisation")
            else:
                server.status([(to_trax(output_region(tracker.track(image), polygon, mask)), {})])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stdout, sys.stdout = sys.stdout, sys.stderr  # nothing may print onto a TraX pipe
    try:
        try:
            factory = load(args)
        except (FileNotFoundError, ValueError) as exc:  # missing or unfitting weights, bad config
            print(f"vot_trax: error: {exc}", file=sys.stderr)
            return 2
        serve(args, factory)
    finally:
        sys.stdout = stdout
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Convert the videos and annotations you have into a custom root (docs/custom-data.md), which training
(``CUSTOM`` with ``--setting custom_dir=DIR``), ``test.py --dataset custom --root DIR``, ``analysis_results.py``
and ``video_demo.py`` read.

Examples::

    python tracking/convert_dataset.py videos clips/ --boxes first_boxes.csv --out data/mine
    python tracking/convert_dataset.py mot MOT17-02/gt/gt.txt --out data/mine          # frames: MOT17-02/img1
    python tracking/convert_dataset.py cvat annotations.xml --frames video.mp4 --out data/mine

``videos``: every video named in a CSV (header ``video,x,y,w,h``) or JSON (``{"<video>": [x,y,w,h]}``) of
first-frame boxes becomes a tracking-only sequence named after the file (frames extracted with OpenCV).
``mot``: each target id of a MOT-challenge ``gt.txt`` becomes one sequence ``<name>_<id>`` spanning its
first to last frame; frames where the id is missing (or has conf 0) are flagged absent. ``cvat``: each
``<track>`` of a CVAT "for video 1.1" export becomes one sequence ``<name>_<id>``; ``outside`` frames are absent.

Every annotation is read and checked before any frame is written (one line naming the file and line on
error, exit status 2; 1 when the output cannot be written). Sequences are written atomically and already
converted ones are skipped: re-run the same command to resume.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from lib.datasets.custom_writer import check_length, write_tracks
from lib.datasets.raw_tracks import Track, read_cvat, read_first_boxes, read_mot
from lib.utils.cli import entry_parser
from lib.utils.io import WriteError


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = entry_parser(__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    videos = commands.add_parser("videos", allow_abbrev=False,
                                 help="a folder of videos + a CSV/JSON of first-frame boxes (tracking only)")
    videos.add_argument("videos", type=Path, help="folder holding the video files named in --boxes")
    videos.add_argument("--boxes", type=Path, required=True, help="CSV (video,x,y,w,h) or JSON of first-frame boxes")
    for name, annotation, help_text in (("mot", "gt", "MOT-challenge gt.txt (one sequence per target id)"),
                                        ("cvat", "xml", "CVAT for video 1.1 XML export (one sequence per track)")):
        command = commands.add_parser(name, help=help_text, allow_abbrev=False)
        command.add_argument(annotation, type=Path, help=help_text)
        command.add_argument("--frames", type=Path, default=None,
                             help="the video file or frame folder the boxes belong to"
                                  + (" (default: <gt.txt>/../../img1)" if name == "mot" else ""),
                             required=name == "cvat")
        command.add_argument("--name", default=None,
                             help="sequence name prefix (default: " + ("the MOT sequence folder" if name == "mot"
                                                                      else "the XML file name") + ")")
    for command in commands.choices.values():
        command.add_argument("--out", type=Path, required=True, help="the custom root to write (created if needed)")
        command.add_argument("--no-progress", action="store_true", help="no progress bars")
    return parser.parse_args(argv)


def planned_videos(args: argparse.Namespace) -> list[tuple[Path, list[Track]]]:
    """(video, its tracks) of the command line, every annotation read and checked; raises ``AnnotationError``
    or ``FileNotFoundError`` naming the file."""
    if args.command == "videos":
        boxes = read_first_boxes(args.boxes)
        plan, names = [], {}
        for video, box in boxes.items():
            path = args.videos / video
            if not path.exists():
                raise FileNotFoundError(f"{args.boxes}: names {video!r}, but {path} does not exist")
            if names.setdefault(Path(video).stem, video) != video:
                raise ValueError(f"{args.boxes}: {names[Path(video).stem]!r} and {video!r} would both be the "
                                 f"sequence {Path(video).stem!r}: rename one of the videos")
            plan.append((path, [Track(Path(video).stem, 0, np.array([box]), np.zeros(1, dtype=bool), to_end=True)]))
        return plan
    if args.command == "mot":
        frames = args.frames or args.gt.resolve().parent.parent / "img1"
        prefix = args.name or args.gt.resolve().parent.parent.name
        return [(frames, read_mot(args.gt, prefix))]
    return [(args.frames, read_cvat(args.xml, args.name or args.xml.stem))]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        plan = planned_videos(args)
        for video, tracks in plan:
            if not video.exists():
                raise FileNotFoundError(f"video or frame folder not found: {video}")
            check_length(video, tracks)
        written = []
        for video, tracks in plan:
            written += write_tracks(args.out, video, tracks, progress=not args.no_progress)
    except (FileNotFoundError, ValueError) as exc:  # AnnotationError is a ValueError
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except WriteError as exc:  # the output cannot be written: finished sequences are kept
        print(f"error: {exc}", file=sys.stderr)
        return 1
    total = sum(len(tracks) for _, tracks in plan)
    print(f"{args.out}: {len(written)} sequence(s) written, {total - len(written)} already there")
    return 0


if __name__ == "__main__":
    sys.exit(main())

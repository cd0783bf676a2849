"""Readers of the annotation files people already have, as single-target tracks for the custom layout
(docs/custom-data.md): first-frame boxes of whole videos (CSV or JSON), MOT-challenge ``gt.txt`` and CVAT
"for video 1.1" XML exports.

Every malformed entry raises :class:`AnnotationError` naming the file and the 1-based line (the JSON key
for JSON) and what was expected there.
"""
from __future__ import annotations

import csv
import json
import math
import xml.parsers.expat
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lib.datasets.layout import missing_path_error
from lib.utils.errors import AnnotationError

__all__ = ["Track", "read_first_boxes", "read_mot", "read_cvat"]

BOX_CSV_HEADER = ("video", "x", "y", "w", "h")
MOT_LAYOUT = "gt.txt: frame,id,x,y,w,h,conf,class,visibility per line (frame numbers 1-based)"
CVAT_LAYOUT = ('CVAT for video 1.1: <track id="..." label="..."><box frame="0" xtl= ytl= xbr= ybr= outside="0|1" '
               'occluded="0|1"/>...</track>')


@dataclass(frozen=True)
class Track:
    """One target over a span of frames: ``first`` is the 0-based index of its first frame in the source
    video, ``boxes`` (N, 4) float64 x, y, w, h in pixels for frames ``first .. first+N-1`` (zeros where
    absent), ``absent`` (N,) bool. The first frame always holds a box. ``to_end``: a tracking-only track
    (``boxes`` holds the first frame's box only) that spans every frame up to the end of the video."""

    name: str
    first: int
    boxes: np.ndarray
    absent: np.ndarray
    to_end: bool = False

    @property
    def last(self) -> int | None:
        """0-based index of the last frame of the span (None: the video's last frame)."""
        return None if self.to_end else self.first + len(self.boxes) - 1


def _require(path: Path, what: str, layout: str) -> None:
    if not path.is_file():
        raise missing_path_error(path, what, layout)


def _box(values: list[str], where: str) -> list[float]:
    try:
        box = [float(v) for v in values]
    except ValueError:
        raise AnnotationError(f"{where}: expected numbers x,y,w,h, got {values}") from None
    if not all(math.isfinite(v) for v in box) or box[2] <= 0 or box[3] <= 0:
        raise AnnotationError(f"{where}: expected finite x,y and positive w,h, got {values}")
    return box


def read_first_boxes(path: Path) -> dict[str, list[float]]:
    """First-frame boxes by video file name from ``path``: a CSV with the header ``video,x,y,w,h`` or a JSON
    object ``{"<video file>": [x, y, w, h], ...}`` (pixels, top-left corner)."""
    path = Path(path)
    _require(path, "box file", "video,x,y,w,h (CSV with header) or {\"<video>\": [x,y,w,h]} (JSON)")
    if path.suffix.lower() == ".json":
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise AnnotationError(f"{path}: line {err.lineno}: not valid JSON ({err.msg})") from None
        if not isinstance(entries, dict):
            raise AnnotationError(f"{path}: expected an object {{\"<video file>\": [x, y, w, h], ...}}")
        boxes = {}
        for video, box in entries.items():
            if not isinstance(box, list) or len(box) != 4:
                raise AnnotationError(f"{path}: entry {video!r}: expected [x, y, w, h], got {box!r}")
            boxes[video] = _box([str(v) for v in box], f"{path}: entry {video!r}")
        return boxes
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows or tuple(c.strip().lower() for c in rows[0]) != BOX_CSV_HEADER:
        raise AnnotationError(f"{path}: line 1: expected the header {','.join(BOX_CSV_HEADER)}")
    boxes = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != 5:
            raise AnnotationError(f"{path}: line {number}: expected video,x,y,w,h, got {','.join(row)!r}")
        boxes[row[0].strip()] = _box(row[1:], f"{path}: line {number}")
    return boxes


def _span_track(name: str, by_frame: dict[int, list[float]], absent_frames: set[int]) -> Track:
    """A track from 0-based frame -> box (frames in ``absent_frames`` or missing inside the span are absent)."""
    shown = sorted(f for f in by_frame if f not in absent_frames)
    first, last = shown[0], shown[-1]
    boxes = np.zeros((last - first + 1, 4))
    absent = np.ones(last - first + 1, dtype=bool)
    for frame in shown:
        boxes[frame - first] = by_frame[frame]
        absent[frame - first] = False
    return Track(name, first, boxes, absent)


def read_mot(path: Path, prefix: str) -> list[Track]:
    """One track per target id of a MOT-challenge ``gt.txt`` (``frame,id,x,y,w,h,conf,class,visibility``;
    MOT15's 10-column lines too), named ``<prefix>_<id>``, spanning its first to last annotated frame.
    Rows with ``conf`` 0 (ignored regions) and frames without the id are absent."""
    path = Path(path)
    _require(path, "MOT ground truth", MOT_LAYOUT)
    tracks: dict[int, dict[int, list[float]]] = {}
    ignored: dict[int, set[int]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        fields = [f.strip() for f in line.split(",")]
        where = f"{path}: line {number}"
        if len(fields) not in (9, 10):
            raise AnnotationError(f"{where}: expected 9 comma-separated values ({MOT_LAYOUT}), got {line!r}")
        try:
            frame, target, conf = int(float(fields[0])), int(float(fields[1])), float(fields[6])
        except ValueError:
            raise AnnotationError(f"{where}: frame, id and conf must be numbers, got {line!r}") from None
        if frame < 1:
            raise AnnotationError(f"{where}: frame numbers start at 1, got {fields[0]}")
        box = _box(fields[2:6], where)
        if frame - 1 in tracks.setdefault(target, {}):
            raise AnnotationError(f"{where}: id {target} already has a box in frame {frame}")
        tracks[target][frame - 1] = box
        if conf == 0:
            ignored.setdefault(target, set()).add(frame - 1)
    if not tracks:
        raise AnnotationError(f"{path}: no boxes ({MOT_LAYOUT})")
    return [_span_track(f"{prefix}_{target}", boxes, ignored.get(target, set()))
            for target, boxes in sorted(tracks.items()) if set(boxes) - ignored.get(target, set())]


def read_cvat(path: Path, prefix: str) -> list[Track]:
    """One track per ``<track>`` of a CVAT "for video 1.1" XML export, named ``<prefix>_<id>``, spanning its
    first to last frame with ``outside="0"``; frames with ``outside="1"`` or between CVAT's keyframes are
    absent (export with interpolation, the default, so that every frame of a track is listed)."""
    path = Path(path)
    _require(path, "CVAT XML", CVAT_LAYOUT)
    parser = xml.parsers.expat.ParserCreate()
    tracks: dict[str, tuple[dict[int, list[float]], set[int]]] = {}
    current: list[str] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        where = f"{path}: line {parser.CurrentLineNumber}"
        if tag == "track":
            if "id" not in attrs:
                raise AnnotationError(f"{where}: <track> without an id attribute")
            current[:] = [attrs["id"]]
            tracks.setdefault(attrs["id"], ({}, set()))
        elif tag == "box" and current:
            try:
                frame = int(attrs["frame"])
                xtl, ytl, xbr, ybr = (float(attrs[k]) for k in ("xtl", "ytl", "xbr", "ybr"))
                outside = attrs.get("outside", "0") == "1"
            except (KeyError, ValueError):
                raise AnnotationError(f"{where}: expected <box frame=N xtl ytl xbr ybr outside>, got {attrs}") from None
            box = _box([str(xtl), str(ytl), str(xbr - xtl), str(ybr - ytl)], where)
            by_frame, hidden = tracks[current[0]]
            by_frame[frame] = box
            if outside:
                hidden.add(frame)

    def end(tag: str) -> None:
        if tag == "track":
            current.clear()

    parser.StartElementHandler, parser.EndElementHandler = start, end
    try:
        with open(path, "rb") as handle:
            parser.ParseFile(handle)
    except xml.parsers.expat.ExpatError as err:
        reason = xml.parsers.expat.errors.messages[err.code]
        raise AnnotationError(f"{path}: line {err.lineno}: not valid XML ({reason})") from None
    if not tracks:
        raise AnnotationError(f"{path}: no <track> element ({CVAT_LAYOUT}; export as 'CVAT for video 1.1')")
    return [_span_track(f"{prefix}_{tid}", by_frame, hidden) for tid, (by_frame, hidden) in tracks.items()
            if set(by_frame) - hidden]

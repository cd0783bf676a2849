"""VOT short-term sequences as laid out by the VOT toolkit (VOT2016/2018 polygons, VOT2020/2022 masks, VOT2022
boxes). Layouts: README, section VOT.

Ground-truth regions (masks in VOT2020; rectangles and polygons are read too) are kept in
``extra["regions"]`` and the path of their file in ``extra["groundtruth_file"]`` (line N = 0-based
frame N - 1); ``ground_truth_xywh`` holds their bounding boxes: the tight box of the mask pixels,
``0,0,0,0`` for an empty mask and NaN for unknown regions (special codes, NaN values).
``target_visible`` says whether a region covers any area. ``extra["anchors"]`` (float, one per frame:
>0 forward anchor, <0 backward anchor) and ``extra["tags"]`` (name -> bool per frame) come from
``anchor.value`` and ``*.tag``; files shorter than the sequence are padded with 0. ``extra["fps"]`` is the
``fps=`` line of ``<seq>/sequence`` (None without one), the frame rate of the real-time experiment.

Frames are found as the VOT toolkit finds them (:func:`frame_paths`): the ``channels.color`` line of
``<seq>/sequence`` (a pattern or a folder), ``color/%08d.jpg`` when that line or the whole ``sequence``
file is missing; without a ``sequence`` file the legacy layout, frames in the sequence folder itself.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Union

import numpy as np

from lib.lists import read_name_list
from lib.datasets.annotations import AnnotationError, read_label_column, read_lines, read_rows
from lib.datasets.layout import (DatasetLayoutError, check_frame_ends, require_file, require_sequence_dirs,
                                        select_names)
from lib.test.evaluation.sequence import Sequence

LAYOUT = ("<root>/list.txt (one sequence name per line; <root> may also be a VOT workspace holding "
          "sequences/list.txt), <root>/<seq>/sequence (key=value lines; channels.color=color/%08d.jpg, a folder "
          "such as color/, or no such line: color/%08d.jpg), <root>/<seq>/color/00000001.jpg ... (without a "
          "sequence file: <root>/<seq>/00000001.jpg ...), <root>/<seq>/groundtruth.txt (one region per frame), "
          "optional <root>/<seq>/anchor.value and *.tag (one value per frame)")
DEFAULT_COLOR = "color/%08d.jpg"  # the frames when the sequence file names no colour channel
FOLDER_FRAMES = "%08d.jpg"  # the frame names inside a channel folder, and in a legacy sequence folder


@dataclass(frozen=True)
class SpecialRegion:
    """A region given as a single code: 0 unknown, 1 initialisation, 2 failure."""

    code: int


@dataclass(frozen=True)
class RectangleRegion:
    """An axis-aligned rectangle ``x, y, w, h``."""

    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True, eq=False)
class PolygonRegion:
    """A polygon with vertices ``points`` (K, 2) as ``x, y``."""

    points: np.ndarray


@dataclass(frozen=True, eq=False)
class MaskRegion:
    """A binary ``mask`` (h, w) whose top-left pixel lies at image position ``(x0, y0)``."""

    x0: int
    y0: int
    mask: np.ndarray

    def to_image(self, height: int, width: int) -> np.ndarray:
        """The mask placed into a ``height x width`` image (parts outside the image are dropped)."""
        image = np.zeros((height, width), dtype=bool)
        h, w = self.mask.shape
        top, left = max(self.y0, 0), max(self.x0, 0)
        bottom, right = min(self.y0 + h, height), min(self.x0 + w, width)
        if bottom > top and right > left:
            image[top:bottom, left:right] = self.mask[top - self.y0:bottom - self.y0, left - self.x0:right - self.x0]
        return image


Region = Union[SpecialRegion, RectangleRegion, PolygonRegion, MaskRegion]


def parse_region(text: str) -> Region:
    """Parse one line of a VOT region file (code, rectangle, polygon or ``m``-prefixed RLE mask)."""
    if text.startswith("m"):
        return _parse_mask(text[1:])
    values = [float(field) for field in text.split(",")]
    if len(values) == 1 and values[0] == int(values[0]):
        return SpecialRegion(int(values[0]))
    if len(values) == 4:
        return RectangleRegion(*values)
    if len(values) >= 6 and len(values) % 2 == 0:
        return PolygonRegion(np.array(values, dtype=np.float64).reshape(-1, 2))
    raise ValueError(f"{len(values)} values: expected 1 (code), 4 (rectangle) or an even number >= 6 (polygon)")


def _parse_mask(text: str) -> MaskRegion:
    values = [int(field) for field in text.split(",")]
    if len(values) < 4 or values[2] < 0 or values[3] < 0 or any(run < 0 for run in values[4:]):
        raise ValueError("mask must be m<x0>,<y0>,<w>,<h>,<run>,... with non-negative sizes and runs")
    x0, y0, width, height = values[:4]
    runs = np.array(values[4:], dtype=np.int64)
    if runs.sum() > width * height:
        raise ValueError(f"runs cover {runs.sum()} pixels, more than the {width}x{height} patch")
    pixels = np.zeros(width * height, dtype=bool)
    pixels[:runs.sum()] = np.repeat(np.arange(len(runs)) % 2 == 1, runs)
    return MaskRegion(x0, y0, pixels.reshape(height, width))


def region_box(region: Region) -> np.ndarray:
    """Bounding box ``x, y, w, h`` of a region: zeros when it is empty, NaN when it is unknown."""
    if isinstance(region, SpecialRegion):
        return np.full(4, np.nan)
    if isinstance(region, RectangleRegion):
        return np.array([region.x, region.y, region.w, region.h], dtype=np.float64)
    if isinstance(region, PolygonRegion):
        low, high = region.points.min(axis=0), region.points.max(axis=0)
        return np.concatenate([low, high - low])
    rows, cols = np.flatnonzero(region.mask.any(axis=1)), np.flatnonzero(region.mask.any(axis=0))
    if len(rows) == 0:
        return np.zeros(4)
    return np.array([region.x0 + cols[0], region.y0 + rows[0], cols[-1] - cols[0] + 1, rows[-1] - rows[0] + 1],
                    dtype=np.float64)


def load_vot(root: Path, sequences: Iterable[str] | None = None) -> list[Sequence]:
    """VOT sequences listed in ``<root>/list.txt`` (or ``<root>/sequences/list.txt``), dataset tag ``vot``.

    VOT2016, 2018, 2020 and 2022 alike. Raises :class:`DatasetLayoutError` for a missing list, folder, frame or
    file and :class:`AnnotationError` naming the file and line for malformed content.
    """
    if not (root / "list.txt").is_file() and (root / "sequences" / "list.txt").is_file():
        root = root / "sequences"
    names = select_names(read_name_list(require_file(root / "list.txt", "sequence list", LAYOUT)), sequences,
                         "VOT")
    dirs = {name: root / name for name in names}
    require_sequence_dirs(dirs, "VOT", root, LAYOUT)
    return [_load_sequence(name, dirs[name]) for name in names]


def _load_sequence(name: str, seq_dir: Path) -> Sequence:
    gt_file = seq_dir / "groundtruth.txt"
    regions = []
    for number, line in enumerate(read_lines(gt_file, LAYOUT), start=1):
        try:
            regions.append(parse_region(line))
        except ValueError as err:
            raise AnnotationError(f"{gt_file}: line {number}: {err}; got {line[:80]!r}") from None
    if not regions:
        raise AnnotationError(f"{gt_file}: file is empty; expected one region per frame")
    boxes = np.stack([region_box(region) for region in regions])
    visible = np.nan_to_num(boxes[:, 2:], nan=0.0).min(axis=1) > 0
    if not visible[0]:
        raise AnnotationError(f"{gt_file}: line 1: the first frame must have a non-empty region "
                              f"to initialise the tracker")
    frames = frame_paths(seq_dir, len(regions))
    check_frame_ends(frames, LAYOUT)
    extra = {"regions": regions, "groundtruth_file": gt_file, "anchors": np.zeros(len(regions)), "tags": {},
             "fps": sequence_fps(seq_dir)}
    anchor_file = seq_dir / "anchor.value"
    if anchor_file.is_file():
        extra["anchors"] = _pad(anchor_file, read_rows(anchor_file, columns=1, what="anchor")[:, 0], len(regions))
    for tag_file in sorted(seq_dir.glob("*.tag")):
        extra["tags"][tag_file.stem] = _pad(tag_file, read_label_column(tag_file, low=0, high=1), len(regions)) == 1
    return Sequence(name=name, frames=frames, ground_truth_xywh=boxes, dataset="vot", target_visible=visible,
                    extra=extra, init_box_source=f"{gt_file}, line 1")


def frame_paths(seq_dir: Path, count: int) -> list[str]:
    """Paths of colour frames 1..``count`` of the sequence in ``seq_dir``, resolved as the VOT toolkit does.

    ``<seq>/sequence`` line ``channels.color=``: a printf pattern relative to ``seq_dir``
    (``color/%08d.jpg``; ``\\`` read as ``/``) or, when it has no file extension, a folder holding
    ``%08d.jpg`` frames (``color``, ``color/``); no such line means ``color/%08d.jpg``. Without a
    ``sequence`` file (legacy layout) the frames are ``<seq>/%08d.jpg``. Raises
    :class:`AnnotationError` naming the sequence file and line for a pattern without one integer
    field, and :class:`DatasetLayoutError` when a legacy folder keeps its frames in ``color/``.
    """
    metadata_file = seq_dir / "sequence"
    if not metadata_file.is_file():
        _check_legacy_frames(seq_dir)
        channel, line = FOLDER_FRAMES, 0
    else:
        channel, line = _read_metadata(metadata_file).get("channels.color", (DEFAULT_COLOR, 0))
    pattern = channel.replace("\\", "/")
    if not os.path.splitext(pattern)[1]:
        pattern = os.path.join(pattern, FOLDER_FRAMES)
    try:
        names = [pattern % number for number in range(1, count + 1)]
    except (TypeError, ValueError):
        raise AnnotationError(f"{metadata_file}: line {line}: channels.color={channel} is neither a folder nor a "
                              f"frame pattern with one integer field (such as {DEFAULT_COLOR})") from None
    return [os.path.join(str(seq_dir), name) for name in names]


def sequence_fps(seq_dir: Path) -> float | None:
    """The frame rate (Hz) of the ``fps=`` line of ``<seq>/sequence``; None without that line or file.

    Raises :class:`AnnotationError` naming the file and line when the value is not a positive number.
    """
    metadata_file = seq_dir / "sequence"
    if not metadata_file.is_file():
        return None
    entry = _read_metadata(metadata_file).get("fps")
    if entry is None:
        return None
    value, line = entry
    try:
        fps = float(value)
    except ValueError:
        fps = math.nan
    if not fps > 0 or math.isinf(fps):
        raise AnnotationError(f"{metadata_file}: line {line}: fps={value} is not a positive number of frames per "
                              f"second")
    return fps


def _check_legacy_frames(seq_dir: Path) -> None:
    """A folder without a ``sequence`` file must hold its frames itself; ``color/`` alone is not read."""
    first = seq_dir / (FOLDER_FRAMES % 1)
    if (seq_dir / "color").is_dir() and not first.is_file():
        raise DatasetLayoutError(f"{seq_dir / 'sequence'} not found: the frames in {seq_dir / 'color'} are read only "
                                 f"through a sequence file with the line channels.color={DEFAULT_COLOR} (without "
                                 f"one the VOT toolkit too looks for {first}, ...)")


def _read_metadata(path: Path) -> dict[str, tuple[str, int]]:
    """``key -> (value, 1-based line)`` of a ``key=value`` file."""
    entries = {}
    for number, line in enumerate(read_lines(path, LAYOUT), start=1):
        key, equals, value = line.partition("=")
        if not equals:
            raise AnnotationError(f"{path}: line {number}: expected 'key=value', got {line!r}")
        entries[key.strip()] = (value.strip(), number)
    return entries


def _pad(path: Path, values: np.ndarray, length: int) -> np.ndarray:
    """``values`` padded with zeros to ``length``; more values than frames is an error."""
    if len(values) > length:
        raise AnnotationError(f"{path}: {len(values)} lines for a sequence of {length} frames")
    return np.concatenate([values, np.zeros(length - len(values), dtype=values.dtype)])

"""VOT trajectories on disk, byte for byte as vot-toolkit 0.7.x writes them.

Layout (the toolkit's ``results/<tracker>/<experiment>/``; ours is ``<result_dir>/<dataset>/``)::

    <root>/<seq>/<seq>_001.txt              supervised run 1 (``_002`` ... for further repetitions)
    <root>/<seq>/<seq>_<anchor:08d>.txt     multistart run from the 0-based anchor frame
    <root>/<seq>/<name>_time.value          one line per frame: seconds, or empty where not run

A trajectory file has one region per frame: ``1`` initialisation, ``2`` failure, ``0`` skipped/unknown,
else the tracker's region. Text follows the toolkit: a rectangle is four float32 values printed as Python
floats (``10.123499870300293``), polygon vertices alike, a mask as
``m<x0>,<y0>,<w>,<h>,<runs...>`` cropped to its pixels. A region the tracker reports travels over TraX
as ``%.4f`` text of float32 values; :func:`as_reported` applies the same rounding, so natively written
files equal the toolkit's. The toolkit's binary ``.bin`` trajectories are read too.
"""
from __future__ import annotations

import math
import struct
from pathlib import Path

import numpy as np

from lib.test.evaluation.vot import (MaskRegion, PolygonRegion, RectangleRegion, Region, SpecialRegion,
                                     parse_region)
from lib.utils.io import atomic_write_texts
from lib.utils.paths import vot_run_dir

INITIALIZATION, FAILURE, UNKNOWN = 1, 2, 0


def supervised_name(sequence: str, repetition: int) -> str:
    """Trajectory name of supervised repetition ``repetition`` (1-based): ``<seq>_001``."""
    return f"{sequence}_{repetition:03d}"


def multistart_name(sequence: str, anchor: int) -> str:
    """Trajectory name of the multistart run from 0-based frame ``anchor``: ``<seq>_00000012``."""
    return f"{sequence}_{anchor:08d}"


def trajectory_path(root: str | Path, sequence: str, name: str) -> Path:
    """``<root>/<sequence>/<name>.txt``."""
    return Path(root) / sequence / f"{name}.txt"


def trajectory_root(folder: str | Path, dataset: str) -> Path:
    """The folder holding the ``<seq>/`` trajectory folders of ``dataset`` (``vot18``, ...) in a result folder.

    ``tracking/test.py`` writes VOT runs to ``<results_dir>/<tracker>/<param>/<dataset>/``, the toolkit to
    ``results/<tracker>/<experiment>/``: ``<folder>/<dataset>`` when that is a folder, else ``folder``.
    """
    below = vot_run_dir(folder, dataset)
    return below if below.is_dir() else Path(folder)


def _wire(value: float) -> np.float32:
    """A coordinate after TraX: float32, printed ``%.4f``, read back as float32."""
    return np.float32(float(f"{float(np.float32(value)):.4f}"))


def as_reported(region: Region) -> Region:
    """The region as the toolkit receives it from a tracker over TraX (coordinates rounded, masks cropped)."""
    if isinstance(region, RectangleRegion):
        return RectangleRegion(*(float(_wire(v)) for v in (region.x, region.y, region.w, region.h)))
    if isinstance(region, PolygonRegion):
        return PolygonRegion(np.array([[_wire(x), _wire(y)] for x, y in region.points], dtype=np.float64))
    if isinstance(region, MaskRegion):
        return crop_mask(region)
    return region


def crop_mask(region: MaskRegion) -> MaskRegion:
    """The toolkit's "optimised" mask: cropped to its pixels, 0x0 at (0, 0) when empty.

    Toolkit quirk kept: a mask whose pixels all lie in the first column of its patch counts as empty.
    """
    rows, cols = np.flatnonzero(region.mask.any(axis=1)), np.flatnonzero(region.mask.any(axis=0))
    if len(rows) == 0 or cols[-1] == 0:
        return MaskRegion(0, 0, np.zeros((0, 0), dtype=bool))
    patch = region.mask[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    return MaskRegion(region.x0 + int(cols[0]), region.y0 + int(rows[0]), patch.astype(bool))


def mask_runs(mask: np.ndarray) -> list[int]:
    """Row-major run lengths of a boolean mask starting with a (possibly empty) run of zeros; [0] if no pixels."""
    flat = np.asarray(mask, dtype=bool).reshape(-1)
    if flat.size == 0:
        return [0]
    edges = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    runs = np.diff(np.concatenate([[0], edges, [flat.size]])).tolist()
    return [0] + runs if flat[0] else runs


def format_region(region: Region) -> str:
    """One trajectory line as the toolkit writes it (see the module docstring)."""
    if isinstance(region, SpecialRegion):
        return str(region.code)
    if isinstance(region, RectangleRegion):
        return ",".join(repr(float(np.float32(v))) for v in (region.x, region.y, region.w, region.h))
    if isinstance(region, PolygonRegion):
        return ",".join(f"{np.float32(x)},{np.float32(y)}" for x, y in region.points)  # '{}' of float32 = float repr
    height, width = region.mask.shape
    return f"m{region.x0},{region.y0},{width},{height}," + ",".join(str(r) for r in mask_runs(region.mask))


def toolkit_region(region: Region) -> Region:
    """A region as the toolkit reads it: NaN rectangles/polygons are unknown (code 0), masks are cropped."""
    if isinstance(region, RectangleRegion) and any(math.isnan(v) for v in (region.x, region.y, region.w, region.h)):
        return SpecialRegion(UNKNOWN)
    if isinstance(region, PolygonRegion) and np.isnan(region.points).any():
        return SpecialRegion(UNKNOWN)
    if isinstance(region, MaskRegion):
        return crop_mask(region)
    return region


def write_trajectory(root: str | Path, sequence: str, name: str, regions: list[Region],
                     times: list[float | None]) -> Path:
    """Write ``<name>_time.value`` and ``<name>.txt``: both files or neither (the region file marks a finished run).

    Both are written completely before either is renamed into place, the region file last. Raises
    :class:`~lib.utils.io.WriteError` naming the file that could not be written (full disk, ...).
    """
    if len(times) != len(regions):
        raise ValueError(f"{sequence}/{name}: {len(regions)} regions but {len(times)} times")
    path = trajectory_path(root, sequence, name)
    atomic_write_texts({
        path.with_name(f"{name}_time.value"): "".join("\n" if t is None else f"{t}\n" for t in times),
        path: "".join(format_region(region) + "\n" for region in regions),
    })
    return path


def read_trajectory(root: str | Path, sequence: str, name: str) -> list[Region]:
    """Regions of trajectory ``name`` from ``<name>.txt`` or the toolkit's binary ``<name>.bin``.

    Raises FileNotFoundError when neither exists and ValueError naming the file (and line) when malformed.
    """
    text_path = trajectory_path(root, sequence, name)
    binary_path = text_path.with_suffix(".bin")
    if binary_path.is_file():
        return _read_binary(binary_path)
    if not text_path.is_file():
        raise FileNotFoundError(f"{text_path}: trajectory not found (nor {binary_path.name})")
    regions = []
    for number, line in enumerate(text_path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            regions.append(toolkit_region(parse_region(line.strip())))
        except ValueError as err:
            raise ValueError(f"{text_path}: line {number}: {err}; got {line[:80]!r}") from None
    return regions


def trajectory_exists(root: str | Path, sequence: str, name: str) -> bool:
    """Whether the text or binary trajectory ``name`` exists."""
    path = trajectory_path(root, sequence, name)
    return path.is_file() or path.with_suffix(".bin").is_file()


def _read_binary(path: Path) -> list[Region]:
    """The toolkit's binary format: ``<hI`` header (1, count), then per region a type byte and its payload."""
    data = path.read_bytes()
    try:
        _, count = struct.unpack_from("<hI", data, 0)
        offset = struct.calcsize("<hI")
        regions: list[Region] = []
        for _ in range(count):
            (kind,) = struct.unpack_from("<B", data, offset)
            offset += 1
            if kind == 0:
                (code,) = struct.unpack_from("<I", data, offset)
                offset += 4
                regions.append(SpecialRegion(int(code)))
            elif kind == 1:
                regions.append(RectangleRegion(*(float(v) for v in struct.unpack_from("<ffff", data, offset))))
                offset += 16
            elif kind == 2:
                (n,) = struct.unpack_from("<H", data, offset)
                values = struct.unpack_from(f"<{2 * n}f", data, offset + 2)
                offset += 2 + 8 * n
                regions.append(PolygonRegion(np.array(values, dtype=np.float64).reshape(-1, 2)))
            elif kind == 3:
                x0, y0, width, height, n = struct.unpack_from("<hhHHH", data, offset)
                runs = np.array(struct.unpack_from(f"<{n}H", data, offset + 10), dtype=np.int64)
                offset += 10 + 2 * n
                pixels = np.zeros(width * height, dtype=bool)
                pixels[:runs.sum()] = np.repeat(np.arange(n) % 2 == 1, runs)
                regions.append(MaskRegion(x0, y0, pixels.reshape(height, width)))  # not cropped, as the toolkit
            else:
                raise ValueError(f"unknown region type {kind} at byte {offset - 1}")
    except struct.error as err:
        raise ValueError(f"{path}: truncated binary trajectory ({err})") from None
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None
    return regions

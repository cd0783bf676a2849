"""Synthetic tracking videos and writers that store them in real benchmark layouts.

A video shows one target, a checkerboard of two saturated colours inside a dark frame, moving
smoothly and changing scale over a cluttered, muted background, with a few differently textured
distractors moving around it and, in some videos, an occluder sweeping across it. Everything is
a deterministic function of ``(seed, index)``. The writers put videos on disk in the GOT-10k, LaSOT,
TNL2K, VastTrack, AVisT and VOT layouts (docs/benchmarks.md#got-10k, docs/benchmarks.md#lasot,
docs/benchmarks.md#tnl2k, docs/benchmarks.md#vasttrack, docs/benchmarks.md#avist, docs/benchmarks.md#vot), so the
real loaders read them.

Boxes are integer-valued ``x, y, w, h`` and always lie inside the frame; the target is drawn
exactly on its box (distractors underneath it, the occluder on top).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import cv2
import numpy as np

CLASSES = ("block", "tile", "badge", "card")
MOTIONS = ("drifting", "gliding", "wandering")


@dataclass
class SyntheticVideo:
    """One rendered video: RGB frames, target boxes and how much of the target is visible."""

    name: str
    frames: np.ndarray  # (N, H, W, 3) uint8 RGB
    boxes_xywh: np.ndarray  # (N, 4) float64, integer valued
    cover: np.ndarray  # (N,) int, visible fraction of the target in eighths (0 = fully hidden)
    object_class: str
    motion: str

    @property
    def absent(self) -> np.ndarray:
        """(N,) bool: the target is completely hidden."""
        return self.cover == 0

    def __len__(self) -> int:
        return self.frames.shape[0]


def _saturated_colour(rng: np.random.Generator) -> np.ndarray:
    hsv = np.array([[[rng.integers(0, 180), rng.integers(200, 256), rng.integers(190, 256)]]], np.uint8)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0]


def _background(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Muted clutter: smooth colour noise, random rectangles and ellipses, fine grain."""
    coarse = rng.uniform(60, 170, size=(max(height // 24, 2), max(width // 24, 2), 3)).astype(np.float32)
    image = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    for _ in range(int(rng.integers(15, 30))):
        colour = tuple(float(c) for c in rng.uniform(50, 190, size=3))
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        a, b = int(rng.integers(4, 40)), int(rng.integers(4, 40))
        if rng.random() < 0.5:
            cv2.rectangle(image, (x - a, y - b), (x + a, y + b), colour, -1)
        else:
            cv2.ellipse(image, (x, y), (a, b), float(rng.uniform(0, 180)), 0, 360, colour, -1)
    image += rng.normal(0, 6, size=image.shape).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


def _target_texture(rng: np.random.Generator) -> np.ndarray:
    """64x64 checkerboard of two saturated colours inside a dark border."""
    size, cells = 64, int(rng.integers(3, 6))
    ys, xs = np.mgrid[0:size, 0:size]
    checker = ((ys * cells // size + xs * cells // size) % 2).astype(bool)
    texture = np.where(checker[..., None], _saturated_colour(rng), _saturated_colour(rng)).astype(np.uint8)
    border = 5
    texture[:border], texture[-border:], texture[:, :border], texture[:, -border:] = 20, 20, 20, 20
    return texture


def _distractor_texture(rng: np.random.Generator) -> np.ndarray:
    """64x64 muted stripes or smooth blob: plausible clutter that is not the target pattern."""
    size = 64
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
    base, other = rng.uniform(40, 200, size=3), rng.uniform(40, 200, size=3)
    if rng.random() < 0.5:
        period = float(rng.uniform(6, 16))
        weight = (0.5 + 0.5 * np.sin((xs + ys * rng.uniform(-1, 1)) * 2 * math.pi / period))[..., None]
    else:
        weight = np.exp(-((xs - 32) ** 2 + (ys - 32) ** 2) / (2 * 14.0 ** 2))[..., None]
    return (base * weight + other * (1 - weight)).astype(np.uint8)


def _paste(frame: np.ndarray, texture: np.ndarray, x: int, y: int, w: int, h: int) -> None:
    """Draw ``texture`` resized to w x h with its top-left corner at (x, y), clipped to the frame."""
    height, width = frame.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, width), min(y + h, height)
    if x1 <= x0 or y1 <= y0:
        return
    patch = cv2.resize(texture, (w, h), interpolation=cv2.INTER_LINEAR)
    frame[y0:y1, x0:x1] = patch[y0 - y:y1 - y, x0 - x:x1 - x]


class _Mover:
    """A box with smooth random velocity, periodic scale change and reflection at the frame border."""

    def __init__(self, rng: np.random.Generator, height: int, width: int, min_size: int, max_size: int,
                 max_speed: float) -> None:
        self.rng, self.height, self.width = rng, height, width
        self.min_size, self.max_size = min_size, max_size
        side = rng.uniform(min_size * 1.1, max_size * 0.5)
        aspect = math.exp(rng.uniform(-0.8, 0.8))
        self.base_w, self.base_h = side * math.sqrt(aspect), side / math.sqrt(aspect)
        self.cx, self.cy = rng.uniform(0.3, 0.7) * width, rng.uniform(0.3, 0.7) * height
        angle = rng.uniform(0, 2 * math.pi)
        speed = rng.uniform(0.3, 1.0) * max_speed
        self.vx, self.vy = speed * math.cos(angle), speed * math.sin(angle)
        self.max_speed = max_speed
        self.scale_amp, self.scale_period = rng.uniform(0.1, 0.35), rng.uniform(20, 60)
        self.scale_phase = rng.uniform(0, 2 * math.pi)

    def box(self, t: int) -> tuple[int, int, int, int]:
        """Integer box at time ``t`` (call with t = 0, 1, 2, ... in order)."""
        scale = math.exp(self.scale_amp * math.sin(2 * math.pi * t / self.scale_period + self.scale_phase))
        limit_w, limit_h = min(self.max_size, self.width - 2), min(self.max_size, self.height - 2)
        w = int(round(min(max(self.base_w * scale, self.min_size), limit_w)))
        h = int(round(min(max(self.base_h * scale, self.min_size), limit_h)))
        if t > 0:
            self.vx += self.rng.normal(0, 0.15 * self.max_speed)
            self.vy += self.rng.normal(0, 0.15 * self.max_speed)
            speed = math.hypot(self.vx, self.vy)
            if speed > self.max_speed:
                self.vx, self.vy = self.vx * self.max_speed / speed, self.vy * self.max_speed / speed
            self.cx += self.vx
            self.cy += self.vy
        if self.cx - w / 2 < 0 or self.cx + w / 2 > self.width:
            self.vx = -self.vx
        if self.cy - h / 2 < 0 or self.cy + h / 2 > self.height:
            self.vy = -self.vy
        self.cx = min(max(self.cx, w / 2), self.width - w / 2)
        self.cy = min(max(self.cy, h / 2), self.height - h / 2)
        x = min(max(int(round(self.cx - w / 2)), 0), self.width - w)
        y = min(max(int(round(self.cy - h / 2)), 0), self.height - h)
        return x, y, w, h


def _occluder_schedule(rng: np.random.Generator, num_frames: int) -> tuple[int, int] | None:
    """(first frame, duration) of an occluder sweep, or None. About half of the videos get one."""
    if num_frames < 12 or rng.random() < 0.5:
        return None
    duration = int(rng.integers(5, 10))
    start = int(rng.integers(num_frames // 4, max(num_frames - duration - 2, num_frames // 4 + 1)))
    return start, duration


def render_video(seed: int, index: int = 0, num_frames: int = 40, height: int = 240, width: int = 320,
                 min_size: int = 30, max_size: int = 150, num_distractors: int = 3, name: str = "") -> SyntheticVideo:
    """Render video ``index`` of the family ``seed`` (same arguments => identical video).

    The target's width and height stay within ``[min_size, max_size]`` (and inside the frame); it
    moves at most about 4% of the frame diagonal per frame.
    """
    if num_frames < 1 or height < 2 * min_size or width < 2 * min_size or min_size < 2 or max_size < min_size:
        raise ValueError(f"cannot render {num_frames} frames of {width}x{height} with target sizes "
                         f"{min_size}..{max_size}")
    rng = np.random.default_rng([seed, index])
    background = _background(rng, height, width)
    max_speed = 0.04 * math.hypot(height, width)
    target = _Mover(rng, height, width, min_size, max_size, max_speed)
    target_texture = _target_texture(rng)
    distractors = [(_Mover(rng, height, width, min_size, max_size, max_speed), _distractor_texture(rng))
                   for _ in range(num_distractors)]
    for mover, _ in distractors:  # distractors may start anywhere, the target near the centre
        mover.cx, mover.cy = rng.uniform(0, width), rng.uniform(0, height)
    occlusion = _occluder_schedule(rng, num_frames)
    occluder_shade = rng.uniform(70, 130, size=3).astype(np.uint8)

    frames = np.empty((num_frames, height, width, 3), np.uint8)
    boxes = np.empty((num_frames, 4), np.float64)
    cover = np.full(num_frames, 8, np.int64)
    for t in range(num_frames):
        frame = background.copy()
        for mover, texture in distractors:
            _paste(frame, texture, *mover.box(t))
        x, y, w, h = target.box(t)
        _paste(frame, target_texture, x, y, w, h)
        boxes[t] = (x, y, w, h)
        if occlusion is not None and occlusion[0] <= t < occlusion[0] + occlusion[1]:
            cover[t] = _draw_occluder(frame, (x, y, w, h), (t - occlusion[0] + 1) / (occlusion[1] + 1),
                                      occluder_shade)
        frames[t] = frame
    return SyntheticVideo(name or f"synthetic_{seed}_{index}", frames, boxes, cover,
                          CLASSES[int(rng.integers(len(CLASSES)))], MOTIONS[int(rng.integers(len(MOTIONS)))])


def _draw_occluder(frame: np.ndarray, box: tuple[int, int, int, int], progress: float, shade: np.ndarray) -> int:
    """Draw a slab sweeping left to right over the target; return the target's visible eighths."""
    x, y, w, h = box
    slab_w = w + 2 * max(w // 3, 8)
    left = int(round(x - slab_w + progress * (w + slab_w)))
    x0, x1 = max(left, 0), min(left + slab_w, frame.shape[1])
    y0, y1 = max(y - 10, 0), min(y + h + 10, frame.shape[0])
    if x1 > x0:
        frame[y0:y1, x0:x1] = shade
    covered = max(0, min(x1, x + w) - max(x0, x)) / w
    return 0 if covered >= 1 else max(1, int(math.floor(8 * (1 - covered))))


def render_videos(seed: int, count: int, **kwargs) -> Iterator[SyntheticVideo]:
    """Videos 0..count-1 of the family ``seed``, rendered one at a time."""
    for index in range(count):
        yield render_video(seed, index, **kwargs)


def _write_jpegs(folder: Path, frames: np.ndarray, pattern: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i, frame in enumerate(frames):
        path = folder / (pattern % (i + 1))
        if not cv2.imwrite(str(path), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)):
            raise OSError(f"could not write {path}")


def _lines(values: Iterable[object]) -> str:
    return "".join(f"{v}\n" for v in values)


def _integer_boxes(video: SyntheticVideo) -> str:
    """The video's boxes as ``x,y,w,h`` lines of whole pixels (the LaSOT, TNL2K, VastTrack and AVisT files)."""
    return _lines(",".join(str(int(v)) for v in box) for box in video.boxes_xywh)


def _sentence(video: SyntheticVideo) -> str:
    """A one-line description of the target, as the language files of TNL2K and VastTrack hold."""
    return f"the checkered {video.object_class} {video.motion} over clutter\n"


GOT10K_SPLIT_PREFIX = {"train": "GOT-10k_Train", "val": "GOT-10k_Val", "test": "GOT-10k_Test"}


def write_got10k(root: str | Path, videos: Iterable[SyntheticVideo], split: str = "train") -> list[str]:
    """Write videos into ``root/<split>/`` in the GOT-10k layout; returns the sequence names.

    ``train`` and ``val`` get per-frame ground truth and the absence/cover/cut labels; ``test``
    gets only the first frame's box, as in the real test split.
    """
    if split not in GOT10K_SPLIT_PREFIX:
        raise ValueError(f"GOT-10k split must be one of {sorted(GOT10K_SPLIT_PREFIX)}, got {split!r}")
    split_dir = Path(root) / split
    split_dir.mkdir(parents=True, exist_ok=True)
    names = []
    for i, video in enumerate(videos):
        name = f"{GOT10K_SPLIT_PREFIX[split]}_{i + 1:06d}"
        seq_dir = split_dir / name
        _write_jpegs(seq_dir, video.frames, "%08d.jpg")
        rows = [",".join(f"{v:.4f}" for v in box) for box in video.boxes_xywh]
        (seq_dir / "groundtruth.txt").write_text(_lines(rows[:1] if split == "test" else rows))
        if split != "test":
            (seq_dir / "absence.label").write_text(_lines(video.absent.astype(int)))
            (seq_dir / "cover.label").write_text(_lines(video.cover))
            (seq_dir / "cut_by_image.label").write_text(_lines([0] * len(video)))
        height, width = video.frames.shape[1:3]
        (seq_dir / "meta_info.ini").write_text(_lines([
            "[METAINFO]", f"url: synthetic://{video.name}", "begin: 00:00:00",
            f"end: 00:00:{len(video) // 10:02d}", "anno_fps: 10Hz", f"object_class: {video.object_class}",
            f"motion_class: {video.motion}", "major_class: synthetic object", "root_class: object",
            "motion_adverb: smoothly", f"resolution: ({width}, {height})"]))
        names.append(name)
    (split_dir / "list.txt").write_text(_lines(names))
    return names


def write_lasot(root: str | Path, videos: Iterable[SyntheticVideo]) -> list[str]:
    """Write videos into ``root/<class>/<class>-<k>/`` in the LaSOT layout; returns the sequence names.

    ``k`` counts from 1 per class in the order the videos come. The target never leaves the frame,
    so ``out_of_view`` is all zero; ``full_occlusion`` marks frames where it is completely hidden.
    """
    root = Path(root)
    per_class: dict[str, int] = {}
    names = []
    for video in videos:
        per_class[video.object_class] = per_class.get(video.object_class, 0) + 1
        name = f"{video.object_class}-{per_class[video.object_class]}"
        seq_dir = root / video.object_class / name
        _write_jpegs(seq_dir / "img", video.frames, "%08d.jpg")
        (seq_dir / "groundtruth.txt").write_text(_integer_boxes(video))
        (seq_dir / "full_occlusion.txt").write_text(",".join(str(int(a)) for a in video.absent) + "\n")
        (seq_dir / "out_of_view.txt").write_text(",".join("0" for _ in range(len(video))) + "\n")
        (seq_dir / "nlp.txt").write_text(f"a checkered {video.object_class} {video.motion} over clutter\n")
        names.append(name)
    return names


def write_tnl2k(root: str | Path, videos: Iterable[SyntheticVideo]) -> list[str]:
    """Write videos into ``root/<seq>/`` in the TNL2K test layout (``imgs/%08d.png``, ``groundtruth.txt``,
    ``language.txt``); returns the sequence names (``synthetic_video_<k>``, k from 1).

    Frames where the target is completely hidden keep their box: TNL2K marks only absent targets
    (``0,0,0,0``), and the synthetic target never leaves the frame.
    """
    root = Path(root)
    names = []
    for k, video in enumerate(videos, start=1):
        name = f"synthetic_video_{k}"
        seq_dir = root / name
        _write_jpegs(seq_dir / "imgs", video.frames, "%08d.png")
        (seq_dir / "groundtruth.txt").write_text(_integer_boxes(video))
        (seq_dir / "language.txt").write_text(_sentence(video))
        names.append(name)
    return names


def write_vasttrack(root: str | Path, videos: Iterable[SyntheticVideo]) -> list[str]:
    """Write videos into ``root/<Class>/<Class>-<k>/`` in the VastTrack layout (``imgs/%05d.jpg``,
    ``Groundtruth.txt``, ``nlp.txt``); returns the sequence names, ``k`` counting from 1 per class.

    Frames where the target is completely hidden keep their box: VastTrack marks only absent targets
    (``0,0,0,0``), and the synthetic target never leaves the frame.
    """
    root = Path(root)
    per_class: dict[str, int] = {}
    names = []
    for video in videos:
        class_name = video.object_class.capitalize()
        per_class[class_name] = per_class.get(class_name, 0) + 1
        name = f"{class_name}-{per_class[class_name]}"
        seq_dir = root / class_name / name
        _write_jpegs(seq_dir / "imgs", video.frames, "%05d.jpg")
        (seq_dir / "Groundtruth.txt").write_text(_integer_boxes(video))
        (seq_dir / "nlp.txt").write_text(_sentence(video))
        names.append(name)
    return names


def write_avist(root: str | Path, videos: Iterable[SyntheticVideo]) -> list[str]:
    """Write videos into ``root`` in the AVisT layout (``sequences/<seq>/img_%05d.jpg``, ``anno/<seq>.txt``,
    ``full_occlusion/`` and ``out_of_view/`` flag files); returns the names (``synthetic_<k>``, k from 1).

    ``full_occlusion`` marks frames where the target is completely hidden; it never leaves the frame, so
    ``out_of_view`` is all zero.
    """
    root = Path(root)
    names = []
    for k, video in enumerate(videos, start=1):
        name = f"synthetic_{k}"
        _write_jpegs(root / "sequences" / name, video.frames, "img_%05d.jpg")
        (root / "anno").mkdir(parents=True, exist_ok=True)
        (root / "anno" / f"{name}.txt").write_text(_integer_boxes(video))
        for folder, flags in (("full_occlusion", video.absent), ("out_of_view", np.zeros(len(video), bool))):
            (root / folder).mkdir(exist_ok=True)
            (root / folder / f"{name}_{folder}.txt").write_text(",".join(str(int(f)) for f in flags) + "\n")
        names.append(name)
    return names


VOT_REGIONS = ("polygon", "mask", "rectangle")


def _vot_region(box: np.ndarray, kind: str) -> str:
    """A box as a VOT ground-truth line: a slightly skewed quadrilateral, an RLE mask or the rectangle."""
    x, y, w, h = (float(v) for v in box)
    if kind == "rectangle":
        return f"{x:.2f},{y:.2f},{w:.2f},{h:.2f}"
    if kind == "polygon":  # corners nudged by fractions of a pixel, so rounding matters
        corners = [(x + 0.25, y), (x + w, y + 0.5), (x + w - 0.25, y + h), (x, y + h - 0.5)]
        return ",".join(f"{cx:.2f},{cy:.2f}" for cx, cy in corners)
    width, height = int(w), int(h)
    return f"m{int(x)},{int(y)},{width},{height},0,{width * height}"


def write_vot(root: str | Path, videos: Iterable[SyntheticVideo], region: str = "polygon",
              anchor_spacing: int = 0) -> list[str]:
    """Write videos as a VOT toolkit workspace dataset ``root/sequences/`` (docs/benchmarks.md#vot); returns names.

    ``region``: ground truth as ``polygon`` (VOT2016-2019 style), ``mask`` (VOT2020) or ``rectangle``.
    ``anchor_spacing`` > 0 writes ``anchor.value`` with anchors at frames 0, k, 2k, ... alternating
    forward (1) and backward (-1) after frame 0 (a backward anchor needs a frame before it, so the
    last frame is always a backward anchor too). Tags ``occlusion`` mark partly hidden targets.
    """
    if region not in VOT_REGIONS:
        raise ValueError(f"VOT region must be one of {VOT_REGIONS}, got {region!r}")
    seq_root = Path(root) / "sequences"
    seq_root.mkdir(parents=True, exist_ok=True)
    names = []
    for video in videos:
        seq_dir = seq_root / video.name
        _write_jpegs(seq_dir / "color", video.frames, "%08d.jpg")
        (seq_dir / "groundtruth.txt").write_text(_lines(_vot_region(box, region) for box in video.boxes_xywh))
        (seq_dir / "sequence").write_text(_lines(["channels.color=color/%08d.jpg", "fps=30", "format=default",
                                                  f"name={video.name}"]))
        (seq_dir / "occlusion.tag").write_text(_lines((video.cover < 8).astype(int)))
        if anchor_spacing > 0:
            anchors = np.zeros(len(video), dtype=int)
            for k, frame in enumerate(range(0, len(video), anchor_spacing)):
                anchors[frame] = 1 if k % 2 == 0 else -1
            if len(video) > 1:
                anchors[-1] = -1
            (seq_dir / "anchor.value").write_text(_lines(anchors))
        names.append(video.name)
    (seq_root / "list.txt").write_text(_lines(names))
    return names

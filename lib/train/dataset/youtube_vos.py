"""YouTube-VOS (2018/2019) training set as tracking sequences with object masks (SiamAttn's ``YTBVOS``).

Layout (relative to the YouTube-VOS root)::

    train/meta.json                          {"videos": {VID: {"objects": {ID: {"category": ..., "frames": [...]}}}}}
    train/JPEGImages/VID/FRAME.jpg
    train/Annotations/VID/FRAME.png          palette PNG; pixel value = object id (0 = background)

Every (video, object) pair is one sequence whose frames are the object's annotated frames listed in
``meta.json`` (every fifth video frame in the official release), all marked visible. The JPEG and the
annotation PNG of every listed frame must exist: this is checked when the dataset is built (one folder
listing per video folder on raw roots). Boxes and masks come from the annotation PNGs: the mask is
``png == id``, the box (x, y, w, h) its tight pixel extent ``(x_min, y_min, x_max - x_min + 1,
y_max - y_min + 1)``. A sequence's boxes are read when the sequence is first used and kept; a frame
where the object's mask turns out empty is marked invalid.
"""
from __future__ import annotations

import io
import json
from typing import Sequence

import numpy as np
import torch
from PIL import Image

from lib.train.dataset.base import SequenceAnnotation, TrackingDataset
from lib.datasets.annotations import AnnotationError
from lib.datasets.storage import FileSource, IncompleteDatasetError, check_present

META_FILE = "train/meta.json"


class YoutubeVos(TrackingDataset):
    """YouTube-VOS objects as sequences with masks, from ``source`` (raw root or lmdb copy)."""

    is_video = True
    has_masks = True

    def __init__(self, source: FileSource, name: str = "YTBVOS") -> None:
        self.name = name
        self.source = source
        if not source.exists(META_FILE):
            raise IncompleteDatasetError(f"{name}: {source.location(META_FILE)} not found; ytbvos_dir must be the "
                                         "YouTube-VOS root holding train/meta.json, train/JPEGImages and "
                                         "train/Annotations")
        self._sequences = _parse_meta(source, META_FILE)
        if not self._sequences:
            raise IncompleteDatasetError(f"{name}: {source.location(META_FILE)} lists no object")
        self._boxes: dict[int, np.ndarray] = {}
        check_present(name, source, self._listed_files(), what="frame or annotation file(s) listed in meta.json")

    def __len__(self) -> int:
        return len(self._sequences)

    def _file(self, seq_id: int, row: int, folder: str) -> str:
        video, _, frames = self._sequences[seq_id]
        suffix = "jpg" if folder == "JPEGImages" else "png"
        return f"train/{folder}/{video}/{frames[row]}.{suffix}"

    def _object_masks(self, seq_id: int, rows: Sequence[int]) -> list[np.ndarray]:
        """bool (H, W) masks of the sequence's object in the annotation PNGs of ``rows``."""
        object_id = self._sequences[seq_id][1]
        masks = []
        for row in rows:
            rel = self._file(seq_id, row, "Annotations")
            try:
                labels = np.asarray(Image.open(io.BytesIO(self.source.read_bytes(rel))))
            except OSError as exc:
                raise AnnotationError(f"{self.source.location(rel)}: not a readable PNG ({exc})") from None
            if labels.ndim != 2:
                raise AnnotationError(f"{self.source.location(rel)}: expected a palette (index) PNG, "
                                      f"got {labels.ndim} dimensions")
            masks.append(labels == object_id)
        return masks

    def sequence_annotation(self, seq_id: int) -> SequenceAnnotation:
        if not 0 <= seq_id < len(self):
            raise IndexError(f"{self.name}: sequence {seq_id} out of range (0..{len(self) - 1})")
        if seq_id not in self._boxes:
            rows = range(len(self._sequences[seq_id][2]))
            self._boxes[seq_id] = np.stack([_mask_box(m) for m in self._object_masks(seq_id, rows)])
        boxes = torch.from_numpy(self._boxes[seq_id].copy())
        valid = (boxes[:, 2] > 0) & (boxes[:, 3] > 0)
        return SequenceAnnotation(boxes, valid, valid.clone())

    def get_frames(self, seq_id: int, frame_ids: Sequence[int],
                   annotation: SequenceAnnotation | None = None) -> tuple[list[np.ndarray], torch.Tensor]:
        """RGB uint8 frames (rows of the object's annotated-frame list) and their xywh boxes."""
        annotation = annotation if annotation is not None else self.sequence_annotation(seq_id)
        frames = [self.source.read_image(self._file(seq_id, int(f), "JPEGImages")) for f in frame_ids]
        return frames, annotation.boxes_xywh[torch.as_tensor(list(frame_ids), dtype=torch.long)].clone()

    def _listed_files(self) -> list[str]:
        """The JPEG and annotation PNG of every frame listed in meta.json, each once."""
        files = []
        for seq_id, (_, _, frames) in enumerate(self._sequences):
            for row in range(len(frames)):
                files += [self._file(seq_id, row, "JPEGImages"), self._file(seq_id, row, "Annotations")]
        return list(dict.fromkeys(files))

    def source_files(self) -> list[str]:
        """Every file this dataset reads (meta.json, frames, annotation PNGs): what an lmdb copy must hold."""
        return [META_FILE, *self._listed_files()]

    def get_masks(self, seq_id: int, frame_ids: Sequence[int]) -> list[np.ndarray]:
        """float32 0/1 (H, W) object masks of ``frame_ids``."""
        return [m.astype(np.float32) for m in self._object_masks(seq_id, [int(f) for f in frame_ids])]


def _mask_box(mask: np.ndarray) -> np.ndarray:
    """Tight xywh float32 box of a bool mask; zeros when it is empty."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return np.zeros(4, dtype=np.float32)
    return np.array([cols[0], rows[0], cols[-1] - cols[0] + 1, rows[-1] - rows[0] + 1], dtype=np.float32)


def _parse_meta(source: FileSource, rel: str) -> list[tuple[str, int, list[str]]]:
    """(video, object id, frame names) per object with at least one frame, in file order."""
    location = source.location(rel)
    try:
        meta = json.loads(source.read_bytes(rel))
    except json.JSONDecodeError as exc:
        raise AnnotationError(f"{location}:{exc.lineno}: invalid JSON ({exc.msg})") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("videos"), dict):
        raise AnnotationError(f"{location}: expected {{\"videos\": {{...}}}} at the top level")
    sequences = []
    for video, entry in meta["videos"].items():
        try:
            for object_id, obj in entry["objects"].items():
                frames = [str(f) for f in obj["frames"]]
                if frames:
                    sequences.append((str(video), int(object_id), frames))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise AnnotationError(f"{location}: video {video!r}: malformed object entry ({exc!r})") from None
    return sequences

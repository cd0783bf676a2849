"""COCO 2017 train as a tracking source: every non-crowd object annotation is a one-frame sequence.

Layout (relative to the COCO root): ``annotations/instances_train2017.json`` and
``images/train2017/<file_name>``. The JSON is indexed with pycocotools; only the boxes and image
names are kept afterwards. Box = the annotation's ``bbox`` (``x, y, w, h``); as in AiATrack, a box
is valid (and visible) only when ``w > 50`` and ``h > 50``. With ``with_masks`` (SiamAttn's mask branch)
the segmentation of each annotation and its image size are kept too, and ``get_masks`` rasterizes them
with pycocotools.
"""
from __future__ import annotations

import contextlib
import io
import json

from typing import Sequence

import numpy as np
from pycocotools import mask as coco_mask
from pycocotools.coco import COCO

from lib.train.dataset.parsing import AnnotationError
from lib.train.dataset.sequences import AnnotatedSequences
from lib.train.dataset.storage import FileSource, IncompleteDatasetError

MIN_BOX_SIDE = 50.0


def load_coco_index(source: FileSource, annotation_file: str) -> COCO:
    """The pycocotools index of ``annotation_file`` read through ``source``; errors name the file."""
    location = source.location(annotation_file)
    try:
        dataset = json.loads(source.read_bytes(annotation_file))
    except json.JSONDecodeError as exc:
        raise AnnotationError(f"{location}:{exc.lineno}: invalid JSON ({exc.msg})") from None
    if not isinstance(dataset, dict) or not {"images", "annotations", "categories"} <= set(dataset):
        raise AnnotationError(f"{location}: not a COCO instances file (needs images, annotations, categories)")
    coco = COCO()
    coco.dataset = dataset
    with contextlib.redirect_stdout(io.StringIO()):
        coco.createIndex()
    return coco


class Coco(AnnotatedSequences):
    """COCO object annotations as one-frame sequences, from ``source`` (raw root or lmdb copy)."""

    def __init__(self, source: FileSource, version: str = "2017", name: str = "COCO17",
                 with_masks: bool = False) -> None:
        annotation_file = f"annotations/instances_train{version}.json"
        if not source.exists(annotation_file):
            raise IncompleteDatasetError(
                f"{name}: {source.location(annotation_file)} not found; coco_dir must be the COCO root "
                f"holding annotations/ and images/train{version}/")
        coco = load_coco_index(source, annotation_file)
        ann_ids = coco.getAnnIds(iscrowd=False)
        annotations = coco.loadAnns(ann_ids)
        try:
            boxes = [np.asarray(ann["bbox"], dtype=np.float32).reshape(1, 4) for ann in annotations]
            image_ids = [ann["image_id"] for ann in annotations]
            unique_ids = list(dict.fromkeys(image_ids))
            self._image_files = [f"images/train{version}/{coco.imgs[i]['file_name']}" for i in unique_ids]
        except (KeyError, ValueError) as exc:
            raise AnnotationError(f"{source.location(annotation_file)}: malformed annotation ({exc!r})") from None
        self.has_masks = with_masks
        if with_masks:
            try:
                self._segmentations = [ann["segmentation"] for ann in annotations]
                self._image_sizes = [(coco.imgs[i]["height"], coco.imgs[i]["width"]) for i in image_ids]
            except KeyError as exc:
                raise AnnotationError(f"{source.location(annotation_file)}: annotation or image without "
                                      f"{exc} (needed for masks)") from None
        position = {image_id: k for k, image_id in enumerate(unique_ids)}
        self._image_of_sequence = np.array([position[i] for i in image_ids], dtype=np.int64)
        present = [np.ones(1, dtype=bool)] * len(boxes)
        super().__init__(name, source, [str(i) for i in ann_ids], boxes, present, [annotation_file],
                         is_video=False)

    @staticmethod
    def valid_boxes(boxes: np.ndarray) -> np.ndarray:
        return (boxes[:, 2] > MIN_BOX_SIDE) & (boxes[:, 3] > MIN_BOX_SIDE)

    def frame_file(self, seq_id: int, frame_id: int) -> str:
        return self._image_files[self._image_of_sequence[seq_id]]

    def get_masks(self, seq_id: int, frame_ids: Sequence[int]) -> list[np.ndarray]:
        """float32 0/1 (H, W) mask of annotation ``seq_id`` once per frame id (needs ``with_masks``)."""
        if not self.has_masks:
            raise RuntimeError(f"{self.name} was opened without masks (with_masks=False)")
        height, width = self._image_sizes[seq_id]
        segmentation = self._segmentations[seq_id]
        rles = coco_mask.frPyObjects(segmentation, height, width)
        rle = coco_mask.merge(rles) if isinstance(rles, list) else rles
        mask = coco_mask.decode([rle])[:, :, 0].astype(np.float32)
        return [mask.copy() for _ in frame_ids]

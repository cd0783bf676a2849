"""COCO 2017 train as a tracking source: every non-crowd object annotation is a one-frame sequence.

Layout (relative to the COCO root): ``annotations/instances_train2017.json`` and
``images/train2017/<file_name>``. The JSON is indexed with pycocotools; only the boxes and image
names are kept afterwards. Box = the annotation's ``bbox`` (``x, y, w, h``); as in AiATrack, a box
is valid (and visible) only when ``w > 50`` and ``h > 50``. A file in which no non-crowd box has a
positive width and height is refused when the dataset is built.

With ``with_masks`` (SiamAttn's mask branch) the segmentation of each annotation and its image size are
kept too, and ``get_masks`` rasterizes them with pycocotools. Real COCO files hold segmentations that give
no mask: an empty polygon list, or polygons of fewer than three points. Such polygons are dropped; an
annotation left without any (or whose raster is empty) has no mask, so its training samples get mask loss
weight 0. A segmentation that is neither a list of polygons nor an RLE dict (``counts`` and ``size``) is
refused when the dataset is built, naming the annotation id.
"""
from __future__ import annotations

import contextlib
import io
import json

from typing import Any, Sequence

import numpy as np
from pycocotools import mask as coco_mask
from pycocotools.coco import COCO

from lib.datasets.annotations import AnnotationError
from lib.train.dataset.sequences import AnnotatedSequences
from lib.datasets.storage import FileSource, IncompleteDatasetError

MIN_BOX_SIDE = 50.0
MIN_POLYGON_VALUES = 6  # three (x, y) points


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
        self._location = source.location(annotation_file)
        if boxes and not (np.concatenate(boxes)[:, 2:] > 0).all(axis=1).any():
            raise AnnotationError(f"{self._location}: none of the {len(boxes)} non-crowd annotations has a bbox "
                                  "of positive width and height; nothing to train on")
        self.has_masks = with_masks
        if with_masks:
            try:
                self._segmentations = [mask_shapes(ann["segmentation"], f"{self._location}: annotation {ann['id']}")
                                       for ann in annotations]
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

    def get_masks(self, seq_id: int, frame_ids: Sequence[int]) -> list[np.ndarray | None]:
        """float32 0/1 (H, W) mask of annotation ``seq_id`` once per frame id (needs ``with_masks``); None
        for each when the annotation has no mask (module docstring). ``AnnotationError`` naming the file and
        annotation id when pycocotools cannot rasterize the segmentation."""
        if not self.has_masks:
            raise RuntimeError(f"{self.name} was opened without masks (with_masks=False)")
        height, width = self._image_sizes[seq_id]
        shapes = self._segmentations[seq_id]
        mask = None if shapes is None else self._rasterize(seq_id, shapes, height, width)
        return [None if mask is None else mask.copy() for _ in frame_ids]

    def _rasterize(self, seq_id: int, shapes: list | dict, height: int, width: int) -> np.ndarray | None:
        """The float32 0/1 (H, W) raster of ``shapes``; None when it covers no pixel."""
        try:
            if isinstance(shapes, dict) and not isinstance(shapes["counts"], list):
                rle = shapes  # compressed RLE: pycocotools decodes it as it is
            else:
                rles = coco_mask.frPyObjects(shapes, height, width)
                rle = coco_mask.merge(rles) if isinstance(rles, list) else rles
            mask = coco_mask.decode([rle])[:, :, 0]
        except (TypeError, ValueError) as exc:
            raise AnnotationError(f"{self._location}: annotation {self.sequence_names[seq_id]}: cannot rasterize "
                                  f"its segmentation ({exc})") from None
        return mask.astype(np.float32) if mask.any() else None


def mask_shapes(segmentation: Any, where: str) -> list | dict | None:
    """The polygons of at least three points of a COCO ``segmentation`` (None when there is none), or its RLE
    dict as it is. ``AnnotationError`` starting with ``where`` for anything else."""
    if isinstance(segmentation, dict) and {"counts", "size"} <= set(segmentation):
        return segmentation
    if isinstance(segmentation, list) and all(isinstance(polygon, list) for polygon in segmentation):
        polygons = [polygon for polygon in segmentation if len(polygon) >= MIN_POLYGON_VALUES]
        return polygons or None
    raise AnnotationError(f"{where}: segmentation must be a list of polygons [[x1, y1, x2, y2, ...], ...] or an "
                          f"RLE {{\"counts\": ..., \"size\": [h, w]}}, got {str(segmentation)[:60]}")

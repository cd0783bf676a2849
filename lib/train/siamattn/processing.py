"""One SiamAttn training sample from a template frame and a search frame (pysot ``TrkDataset`` rules plus
the mask and weight entries the official model reads but its release never produced).

Output (per sample; the DataLoader adds the batch dimension):

* ``template`` (3, 127, 127) and ``search`` (3, 255, 255) float32 BGR 0..255 crops (``siamattn_augment``);
* ``label_cls`` (A, 25, 25) int64, ``label_loc`` (4, A, 25, 25), ``label_loc_weight`` (A, 25, 25): the
  anchor targets of the search box (``siamattn_anchors``);
* ``bbox`` (4,) float32: the search box, x1 y1 x2 y2 in search-crop pixels;
* ``search_mask`` (1, 255, 255) float32 0/1: the object's mask in the search crop (zeros when unknown);
* ``mask_weight`` and ``bbox_weight`` () float32: 1 when the refinement losses apply (a positive pair;
  for the mask also a known mask of the search frame: a dataset with masks, and for COCO an annotation
  whose segmentation gives one), else 0;
* ``roi_seed`` () int64: seeds the refinement-RoI draw of the actor (a step is a function of its batch).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from lib.config import ConfigNode
from lib.train.siamattn.anchors import AnchorGrid, AnchorTargetRule, anchor_targets
from lib.train.siamattn.augment import ContextCrop, CropAugmentation, augmented_crop


@dataclass
class FrameObject:
    """A full RGB uint8 frame (H, W, 3), the object's xywh box in it and its (H, W) mask if known."""

    image: np.ndarray
    box_xywh: np.ndarray
    mask: np.ndarray | None = None


class SiamAttnProcessing:
    """Callable ``(template, search, negative, rng) -> sample dict`` (module docstring)."""

    def __init__(self, grid: AnchorGrid, rule: AnchorTargetRule, template_aug: CropAugmentation,
                 search_aug: CropAugmentation, exemplar_size: int = 127, search_size: int = 255,
                 gray: float = 0.0, context: ContextCrop = ContextCrop()) -> None:
        self.grid, self.rule = grid, rule
        self.template_aug, self.search_aug = template_aug, search_aug
        self.exemplar_size, self.search_size = exemplar_size, search_size
        self.gray = gray
        self.context = context

    @classmethod
    def from_config(cls, cfg: ConfigNode) -> "SiamAttnProcessing":
        """Anchors from ``MODEL.ANCHOR``, targets from ``TRAIN``, crops and augmentation from ``DATA``."""
        data, train = cfg.DATA, cfg.TRAIN
        grid = AnchorGrid.build(cfg.MODEL.ANCHOR.STRIDE, cfg.MODEL.ANCHOR.RATIOS, cfg.MODEL.ANCHOR.SCALES,
                                data.OUTPUT_SIZE, data.SEARCH_SIZE)
        rule = AnchorTargetRule(train.THR_HIGH, train.THR_LOW, train.POS_NUM, train.NEG_NUM, train.TOTAL_NUM)
        context = ContextCrop(data.EXEMPLAR_SIZE, data.CONTEXT_AMOUNT, data.CROP_SIZE)
        return cls(grid, rule, CropAugmentation.from_config(data.TEMPLATE), CropAugmentation.from_config(data.SEARCH),
                   data.EXEMPLAR_SIZE, data.SEARCH_SIZE, data.GRAY, context)

    def __call__(self, template: FrameObject, search: FrameObject, negative: bool,
                 rng: np.random.Generator) -> dict[str, torch.Tensor]:
        gray = bool(self.gray) and self.gray > rng.random()
        z = augmented_crop(_bgr(template.image), _xyxy(template.box_xywh), self.exemplar_size, self.template_aug,
                           rng, gray=gray, context=self.context)
        x = augmented_crop(_bgr(search.image), _xyxy(search.box_xywh), self.search_size, self.search_aug, rng,
                           mask=search.mask, gray=gray, context=self.context)
        targets = anchor_targets(self.grid, x.box, negative, rng, self.rule)
        has_mask = x.mask is not None
        mask = x.mask if has_mask else np.zeros((self.search_size, self.search_size), dtype=np.float32)
        return {
            "template": _chw(z.image),
            "search": _chw(x.image),
            "label_cls": torch.from_numpy(targets.label),
            "label_loc": torch.from_numpy(targets.delta),
            "label_loc_weight": torch.from_numpy(targets.delta_weight),
            "bbox": torch.from_numpy(x.box.astype(np.float32)),
            "search_mask": torch.from_numpy(np.ascontiguousarray(mask))[None],
            "mask_weight": torch.tensor(float(has_mask and not negative)),
            "bbox_weight": torch.tensor(float(not negative)),
            "roi_seed": torch.tensor(int(rng.integers(2**62)), dtype=torch.int64),
        }


def _bgr(image: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(image[..., ::-1])


def _xyxy(box_xywh: np.ndarray) -> np.ndarray:
    x, y, w, h = (float(v) for v in box_xywh)
    return np.array([x, y, x + w, y + h])


def _chw(image: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1), dtype=np.float32))

"""The SiamAttn tracker (Yu et al., CVPR 2020), as the official ``SiamMaskTracker`` runs it.

Per frame: crop a context region of ``instance_size`` around the previous state (pysot crop, mean padding),
run the network against the cached template features, pick the best anchor box under the scale/aspect
penalty and cosine window, refine it with the box head, move the state to the refined centre and
smooth its size, then (mask branch on) predict the mask on the new state box and fit a rotated rectangle
to it. The arithmetic lives in :mod:`lib.test.tracker.siamattn.post`; quirk labels are defined in
docs/quirks-siamattn.md.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from lib.config import ConfigNode
from lib.models.siamattn import crop_anchors
from lib.models.siamattn.inference import prepare_siamattn_for_tracking
import lib.test.tracker.siamattn.post as post
from lib.test.tracker.base import InitStyle, Tracker
from lib.utils.crop import crop_pysot_subwindow
from lib.utils.crop_torch import crop_pysot_subwindow_torch
from lib.utils.device import apply_precision


@dataclass
class SiamAttnHyper:
    """Per-benchmark tracker hyper-parameters (a row of ``cfg.TEST.HYPER``)."""

    penalty_k: float
    window_influence: float
    lr: float


def hyper_for(cfg: ConfigNode, hyper_key: str) -> SiamAttnHyper:
    """``cfg.TEST.HYPER`` row [PENALTY_K, WINDOW_INFLUENCE, LR] named ``hyper_key`` (case-insensitive), else DEFAULT."""
    row = cfg.TEST.HYPER.get(hyper_key.upper(), cfg.TEST.HYPER.DEFAULT)
    return SiamAttnHyper(float(row[0]), float(row[1]), float(row[2]))


@dataclass
class SearchStep:
    """One frame's search between the network calls of :meth:`SiamAttnTracker.track` (filled phase by phase)."""

    image_hw: tuple[int, int]
    geometry: post.CropGeometry
    crop: torch.Tensor  # (1, 3, S, S) float32 BGR 0..255 on the model's device
    score: np.ndarray | None = None  # (A * S'^2,) foreground probabilities
    selection: post.Selection | None = None
    rpn_box: Any = None  # the chosen anchor box in the crop (cx, cy, w, h) float32
    roi: torch.Tensor | None = None  # (1, 5) box-head RoI
    state_in_crop: Any = None  # the new state in crop pixels (cx, cy, w, h)
    mask_roi: torch.Tensor | None = None  # (1, 5) mask-head RoI; None without the mask branch


class SiamAttnTracker(Tracker):
    """SiamAttn on RGB uint8 frames (converted to BGR, as the official tracker reads them with OpenCV).

    ``initialize`` takes ``info['init_bbox']`` ([x, y, w, h], or an 8-value polygon on VOT benchmarks);
    ``track`` returns ``target_bbox`` [cx - w/2, cy - h/2, w, h], ``best_score``, ``best_idx`` (the chosen
    anchor) and, with the mask branch, ``target_polygon`` (8 floats), ``target_mask`` (the (H, W) bool image
    pixels above ``TEST.MASK_THRESHOLD``, what VOT's mask stacks record), ``mask_prob`` (the (M, M) float32
    mask probabilities of the state box) and ``mask_area_px`` (the pixels of ``target_mask``).
    ``center_pos`` and ``size`` (float64) are the state and may be set between frames (teacher forcing).
    ``hyper_key`` names the ``cfg.TEST.HYPER`` row; ``init_style`` VOT_REGION initialises the VOT way
    (quirk C1 via ``post.official_init_box``), BOX the way of the other benchmarks.
    The network runs in its inference form (:func:`lib.models.siamattn.inference.prepare_siamattn_for_tracking`;
    a model already prepared is used as it is), in float32 with TF32 off unless ``cfg.TEST.PRECISION`` is
    ``tf32`` (:func:`lib.utils.device.apply_precision`).
    """

    name = "siamattn"

    def __init__(self, model: torch.nn.Module, cfg: ConfigNode, hyper_key: str = "DEFAULT",
                 init_style: InitStyle = InitStyle.BOX) -> None:
        test = cfg.TEST
        apply_precision(test.PRECISION)
        self.model = prepare_siamattn_for_tracking(model, int(test.INSTANCE_SIZE))
        self.hyper = hyper_for(cfg, hyper_key)
        self.vot_style_init = init_style is InitStyle.VOT_REGION
        self.exemplar_size = int(test.EXEMPLAR_SIZE)
        self.instance_size = int(test.INSTANCE_SIZE)
        self.context_amount = float(test.CONTEXT_AMOUNT)
        self.mask_threshold = float(test.MASK_THRESHOLD)
        self.min_polygon_area = float(test.MIN_POLYGON_AREA)
        anchor = cfg.MODEL.ANCHOR
        score_size = post.score_map_size(self.instance_size, self.exemplar_size, int(anchor.STRIDE),
                                         int(test.BASE_SIZE))
        self.anchors = crop_anchors(int(anchor.STRIDE), list(anchor.RATIOS), list(anchor.SCALES), score_size).numpy()
        self.window = post.cosine_window(score_size, len(anchor.RATIOS) * len(anchor.SCALES))
        self.bbox_stds = [float(v) for v in cfg.MODEL.BBOX_NORMALIZE_STDS]
        self.bbox_means = [float(v) for v in cfg.MODEL.BBOX_NORMALIZE_MEANS]
        self.center_pos: np.ndarray | None = None
        self.size: np.ndarray | None = None
        self.channel_average: np.ndarray | None = None
        self.template: list[torch.Tensor] | None = None

    @property
    def device(self) -> torch.device:
        """Device of the model parameters (crops are moved there)."""
        return next(self.model.parameters()).device

    def _to_input(self, patch: np.ndarray) -> torch.Tensor:
        """(S, S, 3) uint8 BGR -> (1, 3, S, S) float32 0..255 on the model's device (no normalisation, C6)."""
        return torch.from_numpy(np.ascontiguousarray(patch.transpose(2, 0, 1))[None]).float().to(self.device)

    @torch.no_grad()
    def initialize(self, image: np.ndarray, info: dict[str, Any]) -> dict[str, Any]:
        """Cache the template features around ``info['init_bbox']``; returns the box ``init`` received."""
        init_box = post.official_init_box(info.get("init_bbox", ()), self.vot_style_init)
        if not (all(np.isfinite(init_box)) and init_box[2] > 0 and init_box[3] > 0):
            raise ValueError(f"init_bbox must be finite with positive width and height, got {info.get('init_bbox')}")
        self.center_pos, self.size = post.initial_state(init_box)
        bgr = np.ascontiguousarray(image[..., ::-1])
        self.channel_average = np.mean(bgr, axis=(0, 1))
        side = post.template_crop_side(self.size, self.context_amount)
        patch = crop_pysot_subwindow(bgr, self.center_pos, self.exemplar_size, side, self.channel_average)
        self.template = self.model.template_features(self._to_input(patch))
        return {"target_bbox": init_box}

    def _state_xywh(self) -> list[float]:
        cx, cy = self.center_pos
        width, height = self.size
        return [float(cx - width / 2), float(cy - height / 2), float(width), float(height)]

    @torch.no_grad()
    def track(self, image: np.ndarray, info: dict[str, Any] | None = None) -> dict[str, Any]:
        """Locate the target in ``image`` and update the state; see the class docstring for the outputs."""
        search = self.search_crop(image)
        outputs = self.model.track_features(self.template, search.crop)
        step = self.select_anchor(search, outputs["cls"], outputs["loc"])
        result = self.apply_refinement(step, self.model.refine_box(outputs["b_fused"], step.roi.to(self.device))[0])
        if step.mask_roi is None:
            return result
        logits = self.model.refine_mask(outputs["m_fused"], step.mask_roi.to(self.device))
        return self.add_mask(step, logits[0, 0], result)

    # The phases of ``track`` between network calls; the batched step (lib/test/tracker/siamattn/batched.py)
    # runs the same phases around batched calls. A phase's RoI has batch index 0; a batch sets its own.
    def search_crop(self, image: np.ndarray, device_crop: bool = False) -> SearchStep:
        """The search crop around the current state; RuntimeError before :meth:`initialize`.

        ``device_crop`` uploads ``image`` and crops it on the model's device (``lib/utils/crop_torch.py``, within
        one grey level of the OpenCV crop, see ``InferencePlan.device_crop``) instead of cropping on the host.
        """
        if self.template is None:
            raise RuntimeError("call initialize() before track()")
        geometry = post.search_geometry(self.center_pos, self.size, self.context_amount, self.exemplar_size,
                                        self.instance_size)
        if device_crop:
            bgr = torch.from_numpy(np.ascontiguousarray(image)).to(self.device).flip(-1)
            patch = crop_pysot_subwindow_torch(bgr, self.center_pos, self.instance_size, geometry.s_x,
                                               self.channel_average)
            return SearchStep(image.shape[:2], geometry, patch.permute(2, 0, 1)[None].float())
        bgr = np.ascontiguousarray(image[..., ::-1])
        patch = crop_pysot_subwindow(bgr, self.center_pos, self.instance_size, geometry.s_x, self.channel_average)
        return SearchStep(image.shape[:2], geometry, self._to_input(patch))

    def select_anchor(self, step: SearchStep, cls: torch.Tensor, loc: torch.Tensor) -> SearchStep:
        """Pick the anchor from this crop's RPN outputs ``cls`` (1, 2A, S, S), ``loc`` (1, 4A, S, S); sets the
        box-head RoI (1, 5) of ``step`` and returns it."""
        step.score = post.foreground_scores(cls)
        boxes = post.decode_anchor_boxes(loc, self.anchors)
        step.selection = post.select_box(step.score, boxes, self.size, step.geometry.scale_z, self.window,
                                         self.hyper.penalty_k, self.hyper.window_influence)
        step.rpn_box = post.rpn_box_in_crop(boxes, step.selection.best_idx, self.instance_size)
        step.roi = post.refinement_roi(step.rpn_box)
        return step

    def apply_refinement(self, step: SearchStep, raw: torch.Tensor) -> dict[str, Any]:
        """Box-head deltas ``raw`` (4,) of ``step``'s RoI -> the new state and the result without mask keys;
        sets the mask-head RoI (1, 5) of ``step`` when the model has the mask branch."""
        refined = post.decode_refinement(raw.detach().cpu().numpy(), step.rpn_box, self.bbox_stds, self.bbox_means)
        lr = post.size_update_rate(step.selection, step.score, self.hyper.lr)
        # A broken network output (NaN/inf) never becomes the state: it would poison every later crop. It is
        # checked before the clip, whose Python min/max would silently turn a NaN into a border value.
        if np.all(np.isfinite(refined)) and np.isfinite(lr):
            self.center_pos, self.size = post.update_state(refined, step.geometry, self.size, lr, step.image_hw)
        best = step.selection.best_idx
        if getattr(self.model, "mask_enabled", False):
            step.state_in_crop = post.state_box_in_crop(self.center_pos, self.size, step.geometry)
            step.mask_roi = post.mask_roi(step.state_in_crop)
        return {"target_bbox": self._state_xywh(), "best_score": float(step.score[best]), "best_idx": best}

    def add_mask(self, step: SearchStep, logits: torch.Tensor, result: dict[str, Any]) -> dict[str, Any]:
        """Mask-head logits (M, M) of ``step``'s mask RoI -> ``result`` with the mask keys added."""
        mask = torch.sigmoid(logits).detach().cpu().numpy()
        mask_in_image = post.mask_to_image(mask, step.state_in_crop, step.geometry, self.instance_size,
                                           step.image_hw)
        result["target_polygon"] = post.mask_polygon(mask_in_image, self.mask_threshold, self.center_pos,
                                                     self.size, self.min_polygon_area)
        result["target_mask"] = mask_in_image > self.mask_threshold
        result["mask_prob"] = mask
        result["mask_area_px"] = int(np.count_nonzero(result["target_mask"]))
        return result

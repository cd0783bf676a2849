"""The assembled AiATrack network, split into the stages a tracker needs.

``encode`` turns a (search or reference) crop into its transformer memory once; ``decode`` matches a
search memory against the cached references; the heads turn the decoder map into a box and IoU
predictions. ``forward`` runs the whole pipeline on a training batch.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.utils import _pytree as pytree

from lib.config import ConfigNode
from lib.models.aiatrack.backbone import ResNetTrunk, build_resnet_trunk, load_imagenet_weights
from lib.models.aiatrack.heads import CornerHead, IoUHead
from lib.models.aiatrack.aia import AiAAttention
from lib.models.ops.position_encoding import SinePositionEncoding
from lib.models.aiatrack.reference_variants import (check_embedding, decoder_attentions, group_references,
                                                    region_value_offset)
from lib.models.aiatrack.refinement import check_refinement
from lib.models.aiatrack.transformer import AiATransformer, ReferenceTokens
from lib.utils.box_ops import box_xyxy_to_cxcywh

__all__ = ["AiATrack", "BackboneOutput", "EncodedFrame", "ReferenceFrame", "build_aiatrack"]


@dataclass
class BackboneOutput:
    """Token features of one batch of crops before the encoder."""

    feat: Tensor  # (HW, B, C) ResNet features after the 1x1 bottleneck
    mask: Tensor  # (B, HW) bool, True = padding token
    pos: Tensor   # (HW, B, C) sine embedding used by the encoder
    inr: Tensor   # (HW, B, D) sine embedding used by the AiA inner attention


@dataclass
class EncodedFrame:
    """Encoder output of a crop: what the tracker caches."""

    memory: Tensor  # (HW, B, C)
    inr: Tensor     # (HW, B, D)
    mask: Tensor    # (B, HW) bool


@dataclass
class ReferenceFrame:
    """A reference for the decoder: memory, its target/background embedding, inner position, mask.

    ``projections`` caches the decoder attentions' key/value projections of this frame (filled by
    :meth:`AiATrack.decode`, keyed by attention module), so a cached reference is projected once
    when it is first read rather than on every frame.
    """

    memory: Tensor     # (HW, B, C)
    embedding: Tensor  # (HW, B, C) added to the memory to form the values (see target_embedding)
    inr: Tensor        # (HW, B, D)
    mask: Tensor       # (B, HW) bool
    projections: dict[nn.Module, tuple[Tensor, Tensor]] = field(default_factory=dict, repr=False, compare=False)

    def key_value(self, attention: AiAAttention) -> tuple[Tensor, Tensor]:
        """Keys = memory and values = memory + embedding (Q16), projected by ``attention`` (cached)."""
        if attention not in self.projections:
            self.projections[attention] = attention.project_key_value(self.memory, self.memory + self.embedding)
        return self.projections[attention]


# pytree nodes, so the engines of lib/utils/engine.py see the tensors of frames passed to and returned by the
# network's methods; a reference's projection cache is no part of its structure
pytree.register_dataclass(EncodedFrame, serialized_type_name="aiatrack.EncodedFrame")
pytree.register_dataclass(ReferenceFrame, field_names=["memory", "embedding", "inr", "mask"],
                          drop_field_names=["projections"], serialized_type_name="aiatrack.ReferenceFrame")


class AiATrack(nn.Module):
    """Backbone + bottleneck + AiA transformer + corner head + IoU head (Fig. 2 of the paper).

    ``reference_embedding`` (``MODEL.REFERENCE.EMBEDDING``, see lib.models.aiatrack.reference_variants)
    says how the target is marked in the reference values; only ``embed`` (official) has the learned
    ``foreground_embed`` / ``background_embed``. The reference mode is the transformer's. Raises
    ``ValueError`` naming the config key for an unknown embedding.
    """

    def __init__(self, backbone: ResNetTrunk, transformer: AiATransformer, hidden_dim: int, match_dim: int,
                 feat_side: int, reference_embedding: str = "embed"):
        super().__init__()
        check_embedding(reference_embedding)
        self.feat_side = feat_side
        self.backbone = backbone
        self.bottleneck = nn.Conv2d(backbone.num_channels, hidden_dim, kernel_size=1)
        self.position_encoding = SinePositionEncoding(hidden_dim // 2)
        self.inner_position_encoding = SinePositionEncoding(match_dim // 2)
        self.transformer = transformer
        self.corner_head = CornerHead(hidden_dim, feat_side, stride=backbone.stride)
        self.iou_head = IoUHead(hidden_dim, feat_side)
        if reference_embedding == "embed":
            self.foreground_embed = nn.Embedding(1, hidden_dim)
            self.background_embed = nn.Embedding(1, hidden_dim)
        self.reference_embedding = reference_embedding

    @property
    def reference_mode(self) -> str:
        """``MODEL.REFERENCE.MODE`` the transformer was built for (see lib.models.aiatrack.reference_variants)."""
        return self.transformer.reference_mode

    # ----------------------------------------------------------------------------------- stages
    def backbone_features(self, images: Tensor, masks: Tensor) -> BackboneOutput:
        """Images (B, 3, S, S) normalized, padding masks (B, S, S) bool -> tokens before the encoder."""
        features = self.bottleneck(self.backbone(images))
        side = features.shape[-2:]
        if tuple(side) != (self.feat_side, self.feat_side):
            raise ValueError(f"crops of {tuple(images.shape[-2:])} give a {tuple(side)} feature map, the model "
                             f"expects {self.feat_side}x{self.feat_side} (DATA.SEARCH.SIZE)")
        # Nearest downsampling: token (i, j) takes the mask pixel (16i, 16j) (Q8).
        token_mask = F.interpolate(masks[:, None].float(), size=side).to(torch.bool)[:, 0]
        pos = self.position_encoding(token_mask).to(features.dtype)
        inr = self.inner_position_encoding(token_mask).to(features.dtype)
        return BackboneOutput(feat=_to_tokens(features), mask=token_mask.flatten(1),
                              pos=_to_tokens(pos), inr=_to_tokens(inr))

    def encode(self, images: Tensor, masks: Tensor) -> EncodedFrame:
        """Images (B, 3, S, S) normalized and padding masks (B, S, S) -> the frame's encoder memory."""
        tokens = self.backbone_features(images, masks)
        memory = self.transformer.encoder(tokens.feat, tokens.pos, tokens.inr)
        return EncodedFrame(memory=memory, inr=tokens.inr, mask=tokens.mask)

    def target_embedding(self, region: Tensor, memory: Tensor | None = None) -> Tensor:
        """Target region map (B, H, W), 1 = target, -> per-token embedding (HW, B, C) (Q19).

        The reference values are ``memory + embedding``; the ``mask``/``none`` ablations of
        ``reference_embedding`` return their offset of ``memory`` (HW, B, C, required then) instead.
        """
        if self.reference_embedding != "embed":
            if memory is None:
                raise ValueError(f"reference embedding {self.reference_embedding!r} needs the reference memory")
            return region_value_offset(self.reference_embedding, region, memory)
        weights = torch.stack((region, 1 - region), dim=-1).flatten(1, 2)          # (B, HW, 2)
        bank = torch.cat((self.foreground_embed.weight, self.background_embed.weight), dim=0)
        return (weights.to(bank.dtype) @ bank).transpose(0, 1)

    def decode(self, search: EncodedFrame, long_term: Sequence[ReferenceFrame],
               short_term: Sequence[ReferenceFrame]) -> Tensor:
        """Match a search memory with the references -> decoder map (B, C, H, W).

        The long-term list is normally the initial reference only; the short-term list may hold
        repeated entries (the official refer list). Entries are concatenated along the token axis;
        each entry's key/value projections are computed once and kept in the entry (see
        :class:`ReferenceFrame`). ``reference_mode`` decides which lists the decoder reads (see
        lib.models.aiatrack.reference_variants).
        """
        return self._decode(search, [group_references(self.reference_mode, long_term, short_term)])

    def decode_batch(self, search: EncodedFrame,
                     references: Sequence[tuple[Sequence[ReferenceFrame], Sequence[ReferenceFrame]]]) -> Tensor:
        """:meth:`decode` of a batch of searches, each against its own references -> decoder maps (B, C, H, W).

        ``search`` holds B frames; ``references[i]`` is the (long-term, short-term) pair of search ``i``, its
        entries being batch-1 references. Every pair must have the same list lengths (the token axes are
        stacked along the batch axis), else ValueError.
        """
        if len(references) != search.memory.shape[1]:
            raise ValueError(f"{search.memory.shape[1]} search frames but {len(references)} reference sets")
        return self._decode(search, [group_references(self.reference_mode, long_term, short_term)
                                     for long_term, short_term in references])

    def _decode(self, search: EncodedFrame,
                grouped: Sequence[tuple[Sequence[ReferenceFrame], Sequence[ReferenceFrame]]]) -> Tensor:
        """The decoder on ``search`` against the batch entries' (long-term, short-term) attention inputs."""
        layers = self.transformer.decoder.layers
        long_tokens = _reference_tokens([g[0] for g in grouped], [layer.long_term_attn for layer in layers])
        short_tokens = _reference_tokens([g[1] for g in grouped], [layer.short_term_attn for layer in layers])
        out = self.transformer.decoder(search.memory, long_tokens, short_tokens)
        batch, channels = out.shape[1:]
        return out.permute(1, 2, 0).reshape(batch, channels, self.feat_side, self.feat_side)

    def predict_corners(self, decoded: Tensor) -> Tensor:
        """Decoder map -> normalized corners (B, 4) x1, y1, x2, y2 in the crop (Q22)."""
        return self.corner_head(decoded)

    def predict_boxes(self, decoded: Tensor) -> Tensor:
        """Decoder map -> normalized boxes (B, 4) as cx, cy, w, h in the crop (Q22, Q23)."""
        return box_xyxy_to_cxcywh(self.corner_head(decoded))

    def predict_iou(self, decoded: Tensor, proposals: Tensor) -> Tensor:
        """Decoder map and proposals (B, N, 4) normalized xywh -> predicted IoUs (B, N) (Q24)."""
        return self.iou_head(decoded, proposals)

    # ---------------------------------------------------------------------------------- training
    def forward(self, batch: Mapping[str, Tensor]) -> dict[str, Tensor]:
        """Training pass on a collated batch (see the training-sample format).

        Uses ``reference_images`` (B, R, 3, S, S), ``reference_masks`` (B, R, S, S),
        ``reference_regions`` (B, R, H, W) (reference 0 = long-term, 1.. = short-term),
        ``search_image`` (B, 3, S, S), ``search_mask`` (B, S, S) and ``proposals`` (B, P, 4).
        Returns ``pred_boxes`` (B, 4) normalized cxcywh and ``pred_iou`` (B, P).
        """
        ref_images, ref_masks = batch["reference_images"], batch["reference_masks"]
        batch_size, num_refs = ref_images.shape[:2]
        if num_refs < 2:
            raise ValueError(f"training needs a long-term and at least one short-term reference, got R={num_refs}")
        # One backbone + encoder pass over the search frames and all references.
        images = torch.cat((batch["search_image"], ref_images.flatten(0, 1)), dim=0)
        masks = torch.cat((batch["search_mask"], ref_masks.flatten(0, 1)), dim=0)
        encoded = self.encode(images, masks)
        search = _select(encoded, slice(0, batch_size))
        references = []
        regions = batch["reference_regions"]
        for r in range(num_refs):
            frame = _select(encoded, slice(batch_size + r, None, num_refs))
            references.append(ReferenceFrame(frame.memory, self.target_embedding(regions[:, r], frame.memory),
                                             frame.inr, frame.mask))
        decoded = self.decode(search, references[:1], references[1:])
        return {"pred_boxes": self.predict_boxes(decoded),
                "pred_iou": self.predict_iou(decoded, batch["proposals"])}


def _to_tokens(x: Tensor) -> Tensor:
    """(B, C, H, W) -> (HW, B, C)."""
    return x.flatten(2).permute(2, 0, 1)


def _select(frame: EncodedFrame, index: slice) -> EncodedFrame:
    """Batch entries ``index`` of an encoded frame."""
    return EncodedFrame(memory=frame.memory[:, index], inr=frame.inr[:, index], mask=frame.mask[index])


def _reference_tokens(references: Sequence[Sequence[ReferenceFrame]],
                      attentions: Sequence[AiAAttention]) -> ReferenceTokens | None:
    """Per batch entry, its references concatenated along the token axis, with their projections by each
    layer's ``attentions``; the entries stacked along the batch axis.

    ``None`` when the lists are empty (that cross-attention is absent in the reference-mode ablations);
    ValueError when the entries have different reference counts.
    """
    counts = {len(entry) for entry in references}
    if len(counts) != 1:
        raise ValueError(f"a batch needs the same number of references per entry, got counts {sorted(counts)}")
    if not references[0]:
        return None
    inr = torch.cat([torch.cat([r.inr for r in entry], dim=0) for entry in references], dim=1)
    projected = []
    for attention in attentions:
        pairs = [[r.key_value(attention) for r in entry] for entry in references]
        projected.append((torch.cat([torch.cat([k for k, _ in entry], dim=2) for entry in pairs], dim=0),
                          torch.cat([torch.cat([v for _, v in entry], dim=2) for entry in pairs], dim=0)))
    return ReferenceTokens(keys=None, values=None, inr=inr, projected=tuple(projected))


# -------------------------------------------------------------------------------------- building
def _feature_side(cfg: ConfigNode) -> int:
    """Side of the token map from DATA.SEARCH.SIZE, checked against MODEL.AIA.FEAT_SIZE."""
    search_size = cfg.DATA.SEARCH.SIZE
    if search_size % ResNetTrunk.stride:
        raise ValueError(f"DATA.SEARCH.SIZE ({search_size}) must be a multiple of the backbone stride "
                         f"{ResNetTrunk.stride}")
    side = search_size // ResNetTrunk.stride
    if cfg.MODEL.AIA.FEAT_SIZE != side * side:
        raise ValueError(f"MODEL.AIA.FEAT_SIZE ({cfg.MODEL.AIA.FEAT_SIZE}) must equal (DATA.SEARCH.SIZE/16)^2 "
                         f"= {side * side}")
    return side


def _check_supported(cfg: ConfigNode) -> None:
    """Reject configuration values this implementation does not provide (rather than ignoring them),
    before any part of the model is built."""
    model = cfg.MODEL
    required = {
        "MODEL.HEAD_TYPE": (model.HEAD_TYPE, "CORNER"),
        "MODEL.POSITION_EMBEDDING": (model.POSITION_EMBEDDING, "sine"),
        "MODEL.NUM_OBJECT_QUERIES": (model.NUM_OBJECT_QUERIES, 1),
        "MODEL.PREDICT_MASK": (model.PREDICT_MASK, False),
        "MODEL.BACKBONE.DILATION": (model.BACKBONE.DILATION, False),
        "MODEL.BACKBONE.OUTPUT_LAYERS": (tuple(model.BACKBONE.OUTPUT_LAYERS), ("layer3",)),
        "MODEL.TRANSFORMER.PRE_NORM": (model.TRANSFORMER.PRE_NORM, False),
        "MODEL.TRANSFORMER.DIVIDE_NORM": (model.TRANSFORMER.DIVIDE_NORM, False),
        "TRAIN.DEEP_SUPERVISION": (cfg.TRAIN.DEEP_SUPERVISION, False),
    }
    for key, (value, supported) in required.items():
        if value != supported:
            raise ValueError(f"{key} = {value!r} is not supported (only {supported!r})")
    check_refinement(model.AIA.REFINEMENT)
    check_embedding(model.REFERENCE.EMBEDDING)
    decoder_attentions(model.REFERENCE.MODE)


def build_aiatrack(cfg: ConfigNode, backbone_weights: str | Path | None = None,
                   training: bool = False) -> AiATrack:
    """Build AiATrack with sizes from ``cfg``.

    ImageNet backbone weights are loaded from ``backbone_weights`` if given, else (only when
    ``training``) from MODEL.BACKBONE.PRETRAINED_PATH; a training build without any warns loudly.
    Tracking builds skip them: the checkpoint holds the backbone. Layers named in
    TRAIN.FREEZE_LAYERS (and the whole backbone when TRAIN.BACKBONE_MULTIPLIER is 0) get
    ``requires_grad=False``, as in the official build.
    """
    _check_supported(cfg)
    side = _feature_side(cfg)
    model_cfg, transformer_cfg, aia_cfg = cfg.MODEL, cfg.MODEL.TRANSFORMER, cfg.MODEL.AIA
    backbone = build_resnet_trunk(model_cfg.BACKBONE.TYPE, frozen_bn=cfg.TRAIN.FREEZE_BACKBONE_BN)
    weights = backbone_weights or (model_cfg.BACKBONE.PRETRAINED_PATH if training else None)
    if weights:
        load_imagenet_weights(backbone, weights)
    elif training:
        warnings.warn("AiATrack backbone starts from RANDOM weights: no ImageNet file was given "
                      "(set MODEL.BACKBONE.PRETRAINED_PATH); tracking quality will be far below the paper's",
                      stacklevel=2)
    transformer = AiATransformer(
        dim=model_cfg.HIDDEN_DIM, num_heads=transformer_cfg.NHEADS,
        num_encoder_layers=transformer_cfg.ENC_LAYERS, num_decoder_layers=transformer_cfg.DEC_LAYERS,
        ffn_dim=transformer_cfg.DIM_FEEDFORWARD, dropout=transformer_cfg.DROPOUT,
        match_dim=aia_cfg.MATCH_DIM, feat_size=aia_cfg.FEAT_SIZE,
        aia_encoder=aia_cfg.USE_AIA and aia_cfg.ENCODER, aia_decoder=aia_cfg.USE_AIA and aia_cfg.DECODER,
        refinement=aia_cfg.REFINEMENT, reference_mode=model_cfg.REFERENCE.MODE)
    model = AiATrack(backbone, transformer, model_cfg.HIDDEN_DIM, aia_cfg.MATCH_DIM, side,
                     reference_embedding=model_cfg.REFERENCE.EMBEDDING)
    freeze_all = cfg.TRAIN.BACKBONE_MULTIPLIER <= 0
    for name, parameter in model.backbone.named_parameters():
        if freeze_all or name.split(".")[0] in cfg.TRAIN.FREEZE_LAYERS:
            parameter.requires_grad_(False)
    return model

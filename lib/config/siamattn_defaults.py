"""Default configuration of SiamAttn (CVPR 2020): the official VOT2018 config merged with pysot's defaults.

Every key a ``experiments/siamattn/*.yaml`` file may set must exist here; anything else is rejected when
merging. Each section has its own function so the model, tracker and training parts stay separate.
"""
from __future__ import annotations

from typing import Any


def _model() -> dict[str, Any]:
    """MODEL: backbone, neck, DSA, RPN, anchors and refinement heads (official VOT2018 model).

    ``BACKBONE.TYPE`` is ``resnet50`` (official: Bottleneck atrous ResNet-50, levels 2-4 with 512/1024/2048
    channels) or ``resnet18`` (a light BasicBlock atrous ResNet-18 with 64/64/128/256/512 channels on levels
    0-4, same strides and map sizes), for cheap CPU training. ``CHANNELS`` is the width of everything after
    the neck (official 256). ``MASK`` switches the mask branch (mask fusion and mask head) on or off.
    """
    return {
        "BACKBONE": {"TYPE": "resnet50"},
        "CHANNELS": 256,                      # neck output = DSA, RPN, fusion and head width
        "CENTER_SIZE": 7,                     # template neck features keep the centre 7x7 (quirk K3)
        "ANCHOR": {"STRIDE": 8, "RATIOS": [0.33, 0.5, 1, 2, 3], "SCALES": [8]},
        "MASK": True,
        "SEARCH_SIZE": 255,                   # search crop side; RoIs are in its pixels (fixes the pooling scales)
        "ROIPOOL_OUTSIZE": 16,                # mask RoI pooling size; the box head pools ROIPOOL_OUTSIZE // 4
        "MASK_OUTSIZE": 64,                   # mask logits side = ROIPOOL_OUTSIZE * deconvolution stride
        "TRANS_STD": 0.1,                     # deformable RoI pooling offset scale
        "DEFORM_FC_CHANNELS": 1024,           # hidden width of the pooling offset FCs
        "FC_CHANNELS": 512,                   # hidden width of the box head
        "BBOX_NORMALIZE_STDS": [0.1, 0.1, 0.2, 0.2],
        "BBOX_NORMALIZE_MEANS": [0.0, 0.0, 0.0, 0.0],
    }


def _train() -> dict[str, Any]:
    """TRAIN: anchor / RoI targets, losses, optimizer, schedule (official VOT2018 training config merged
    with the pysot defaults of the official release's ``pysot/core/config.py``)."""
    return {
        "EPOCH": 20,
        "BATCH_SIZE": 11,            # per process (official yaml)
        "NUM_WORKER": 5,
        "SEED": 0,
        "PRINT_INTERVAL": 20,
        "AMP": "none",               # none | bf16 | fp16 (GPU only)
        "TF32": False,               # TF32 matmuls/convolutions on Ampere+ GPUs; off: float32 stays IEEE
        "SYNC_BN": False,
        "CHECKPOINT_KEEP_LAST": 3,
        "CHECKPOINT_KEEP_EVERY": 5,
        "GRAD_CLIP_NORM": 10.0,      # pysot TRAIN.GRAD_CLIP
        # anchor targets (pysot AnchorTarget)
        "THR_HIGH": 0.6,
        "THR_LOW": 0.3,
        "POS_NUM": 16,
        "NEG_NUM": 16,               # negatives kept in a negative pair
        "TOTAL_NUM": 64,
        # refinement RoIs (official mask_target_builder)
        "ROI_PER_IMG": 15,
        "FG_THRESH": 0.5,
        "MASK_OHEM_FRACTION": 0.7,   # share of mask pixels with the largest BCE kept
        # loss weights (official yaml)
        "CLS_WEIGHT": 5.0,
        "LOC_WEIGHT": 1.2,
        "MASK_WEIGHT": 0.5,
        "BBOX_WEIGHT": 1.0,
        # optimizer (pysot build_opt_lr): SGD, per-epoch schedule = warm-up then the main schedule
        "BASE_LR": 0.005,
        "MOMENTUM": 0.9,
        "WEIGHT_DECAY": 0.0001,
        "LR": {"TYPE": "log", "START_LR": 0.005, "END_LR": 0.0005},
        "LR_WARMUP": {"WARMUP": True, "TYPE": "step", "EPOCH": 5, "START_LR": 0.001, "END_LR": 0.005, "STEP": 1},
        # backbone: frozen (BatchNorm in eval mode) until BACKBONE_TRAIN_EPOCH (0-based, as pysot), then
        # BACKBONE_TRAIN_LAYERS train at BASE_LR * BACKBONE_LAYERS_LR
        "BACKBONE_TRAIN_EPOCH": 10,
        "BACKBONE_TRAIN_LAYERS": ["layer2", "layer3", "layer4"],
        "BACKBONE_LAYERS_LR": 0.05,
        "PRETRAINED": "",            # pysot ImageNet backbone file (pretrained/resnet.pth); empty = random
    }


def _data() -> dict[str, Any]:
    """DATA: training datasets, pair sampling and augmentation (pysot ``DATASET`` defaults of the official
    release; the official yaml does not override them). ``DATASETS_RATIO`` plays pysot's ``NUM_USE`` (the
    share of an epoch's pairs drawn from each dataset) and ``FRAME_RANGE`` its per-dataset frame range."""
    return {
        "TRAIN": {
            "DATASETS_NAME": ["COCO17_masks", "TRACKINGNET", "LASOT", "YTBVOS", "GOT10K_train"],
            "DATASETS_RATIO": [118287, 200000, 200000, 150000, 150000],
            "FRAME_RANGE": [1, 100, 300, 20, 30],
            "SAMPLE_PER_EPOCH": 600000,       # pysot VIDEOS_PER_EPOCH
            "TRACKINGNET_CHUNKS": list(range(12)),
        },
        "EXEMPLAR_SIZE": 127,
        "SEARCH_SIZE": 255,
        "OUTPUT_SIZE": 25,
        "CONTEXT_AMOUNT": 0.5,
        "CROP_SIZE": 511,                     # pysot's pre-cropped "crop511" context patch
        "NEG": 0.2,
        "GRAY": 0.0,
        "TEMPLATE": {"SHIFT": 4, "SCALE": 0.05, "BLUR": 0.0, "FLIP": 0.0, "COLOR": 0.5},
        "SEARCH": {"SHIFT": 64, "SCALE": 0.18, "BLUR": 0.2, "FLIP": 0.2, "COLOR": 0.5},
    }


# Rows of TEST.HYPER (keyed by benchmark name, as --dataset): [PENALTY_K, WINDOW_INFLUENCE, LR]; benchmarks
# without a row use DEFAULT.
# VOT rows: the official VOT2018 release config (config_vot2018.yaml); OTB: the official OTB100 release
# config (config_otb100.yaml). The other rows are OURS: the official code was released with these two
# configs only, so the other short-term OPE benchmarks reuse the OTB100 values.
OFFICIAL_VOT2018_HYPER = [0.10, 0.25, 0.45]
OFFICIAL_OTB100_HYPER = [0.20, 0.35, 0.50]
SIAMATTN_HYPER: dict[str, list[float]] = {
    "DEFAULT": OFFICIAL_VOT2018_HYPER,
    "VOT16": OFFICIAL_VOT2018_HYPER,
    "VOT18": OFFICIAL_VOT2018_HYPER,
    "VOT20": OFFICIAL_VOT2018_HYPER,
    "VOT22": OFFICIAL_VOT2018_HYPER,
    "OTB": OFFICIAL_OTB100_HYPER,
    "LASOT": OFFICIAL_OTB100_HYPER,  # ours
    "LASOT_EXT": OFFICIAL_OTB100_HYPER,  # ours
    "TRACKINGNET": OFFICIAL_OTB100_HYPER,  # ours
    "GOT10K_TEST": OFFICIAL_OTB100_HYPER,  # ours
    "NFS": OFFICIAL_OTB100_HYPER,  # ours
    "UAV": OFFICIAL_OTB100_HYPER,  # ours
    "TNL2K": OFFICIAL_OTB100_HYPER,  # ours
    "VASTTRACK": OFFICIAL_OTB100_HYPER,  # ours
    "AVIST": OFFICIAL_OTB100_HYPER,  # ours
}


def _test() -> dict[str, Any]:
    """TEST: tracker hyper-parameters (official ``cfg.TRACK`` values; per-benchmark rows in HYPER).

    Sizes in pixels: EXEMPLAR_SIZE template crop, INSTANCE_SIZE search crop, BASE_SIZE added to the
    score-map side; CONTEXT_AMOUNT the context padding as a fraction of (w + h); MASK_THRESHOLD the
    probability a mask pixel must exceed (official key spelled MASK_THERSHOLD); MIN_POLYGON_AREA the
    contour area (px^2) below which the polygon falls back to the state box (hard-coded 100 officially).
    """
    return {
        "EPOCH": 20,  # checkpoint a benchmark run loads by default (the official schedule has 20 epochs)
        "EXEMPLAR_SIZE": 127,
        "INSTANCE_SIZE": 255,
        "BASE_SIZE": 8,
        "CONTEXT_AMOUNT": 0.5,
        "MASK_THRESHOLD": 0.2,
        "MIN_POLYGON_AREA": 100.0,
        "PRECISION": "fp32",  # tracking network precision: fp32 (reference numerics) or tf32 (GPU)
        "HYPER": {name: list(row) for name, row in SIAMATTN_HYPER.items()},
    }


def siamattn_default_config_dict() -> dict[str, Any]:
    """A fresh nested ``dict`` holding every known SiamAttn key with its default value."""
    return {"MODEL": _model(), "TRAIN": _train(), "DATA": _data(), "TEST": _test()}


def validate(cfg: dict[str, Any]) -> None:
    """Checks beyond the keys and types (none beyond the precision, which ``lib.trackers`` checks)."""

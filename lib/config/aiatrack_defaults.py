"""Default configuration: the AiATrack paper's values (official config merged with baseline.yaml).

Every key an experiment file may set must exist here; anything else is rejected when merging. The
:data:`LEGACY_KEYS` are the exception: accepted with any value, then dropped by :func:`validate`.
"""
from __future__ import annotations

from typing import Any

from lib.config.node import ConfigError

# Official keys that nothing here reads. Experiment files copied from the official release and training
# configs stored in checkpoints by earlier versions still hold them, so they are accepted (any value) and
# dropped before the config is used: no ConfigNode has them.
LEGACY_KEYS: dict[str, tuple[str, ...]] = {"TRAIN": ("VAL_EPOCH_INTERVAL",)}

# Rows of TEST.HYPER: [cache size, number of short-term references, IoU threshold].
# Benchmarks without a row use DEFAULT.
DEFAULT_HYPER: dict[str, list[Any]] = {
    "DEFAULT": [100, 3, 0.7],
    "LASOT": [100, 4, 0.8],
    "LASOT_EXT": [100, 6, 0.8],
    "TRACKINGNET": [100, 6, 0.7],
    "GOT10K_TEST": [80, 4, 0.7],
    "NFS": [80, 3, 0.6],
    "OTB": [100, 3, 0.7],
    "UAV": [100, 3, 0.7],
}


def default_config_dict() -> dict[str, Any]:
    """A fresh nested ``dict`` holding every known key with its default value (``None`` for the legacy keys)."""
    config = {
        "MODEL": {
            "HEAD_TYPE": "CORNER",
            "HIDDEN_DIM": 256,
            "NUM_OBJECT_QUERIES": 1,
            "POSITION_EMBEDDING": "sine",
            "PREDICT_MASK": False,
            "BACKBONE": {
                "TYPE": "resnet50",
                "OUTPUT_LAYERS": ["layer3"],
                "DILATION": False,
                # Local file with torchvision-format ImageNet weights ('' = random init, warned about).
                "PRETRAINED_PATH": "",
            },
            "TRANSFORMER": {
                "NHEADS": 4,
                "DROPOUT": 0.1,
                "DIM_FEEDFORWARD": 1024,
                "ENC_LAYERS": 3,
                "DEC_LAYERS": 1,
                "PRE_NORM": False,
                "DIVIDE_NORM": False,
            },
            "AIA": {
                "USE_AIA": True,  # master switch (official key)
                "ENCODER": True,  # ablation: AiA in encoder self-attention
                "DECODER": True,  # ablation: AiA in decoder cross-attention
                "MATCH_DIM": 64,
                "FEAT_SIZE": 400,
                # ablation (paper Table 4): how correlations are refined where AiA is on:
                # aia (inner attention) | cascade (stacked plain attention) | conv (local conv block)
                "REFINEMENT": "aia",
            },
            "REFERENCE": {
                # ablation (paper Table 3): what marks the target in the reference values:
                # embed (target-background embeddings) | mask (features restricted to the target) | none
                "EMBEDDING": "embed",
                # ablation (paper Table 3): separate (long- and short-term cross-attentions) |
                # mixed (one cross-attention over all) | long (long-term only) | short (short-term only)
                "MODE": "separate",
            },
        },
        "TRAIN": {
            "LR": 0.0001,
            "WEIGHT_DECAY": 0.0001,
            "EPOCH": 500,
            "LR_DROP_EPOCH": 400,
            "BATCH_SIZE": 15,
            "NUM_WORKER": 16,
            "OPTIMIZER": "ADAMW",
            "BACKBONE_MULTIPLIER": 0.1,
            "GIOU_WEIGHT": 2.0,
            "L1_WEIGHT": 5.0,
            "IOU_WEIGHT": 2.0,
            "DEEP_SUPERVISION": False,
            "FREEZE_BACKBONE_BN": True,
            "FREEZE_LAYERS": ["conv1", "layer1"],
            "PRINT_INTERVAL": 50,
            "GRAD_CLIP_NORM": 0.1,
            "SCHEDULER": {"TYPE": "step", "DECAY_RATE": 0.1},
            "SEED": 42,
            "AMP": "none",  # none | bf16 | fp16 (GPU only)
            "TF32": False,  # TF32 matmuls/convolutions on Ampere+ GPUs; off: float32 stays IEEE
            "CHECKPOINT_KEEP_LAST": 3,
            "CHECKPOINT_KEEP_EVERY": 50,
            "SYNC_BN": False,  # synchronize head BatchNorm statistics across DDP processes (official: False)
        },
        "DATA": {
            "MEAN": [0.485, 0.456, 0.406],
            "STD": [0.229, 0.224, 0.225],
            "MAX_SAMPLE_INTERVAL": 200,
            "TRAIN": {
                "DATASETS_NAME": ["LASOT", "GOT10K_vot_train", "COCO17", "TRACKINGNET"],
                "DATASETS_RATIO": [1, 1, 1, 1],
                "SAMPLE_PER_EPOCH": 60000,
                "TRACKINGNET_CHUNKS": list(range(12)),  # TRAIN_<k> chunks of TrackingNet used for training
            },
            "SEARCH": {"SIZE": 320, "FACTOR": 5.0, "CENTER_JITTER": 4.5, "SCALE_JITTER": 0.5},
            "TEMPLATE": {"CENTER_JITTER": 0.0, "SCALE_JITTER": 0.0},
        },
        "TEST": {
            "EPOCH": 500,
            "SEARCH_FACTOR": 5.0,
            "SEARCH_SIZE": 320,
            "HYPER": {name: list(row) for name, row in DEFAULT_HYPER.items()},
            "PRECISION": "fp32",  # tracking network precision: fp32 (reference numerics), tf32, bf16 or fp16
        },
    }
    for section, keys in LEGACY_KEYS.items():
        config[section].update(dict.fromkeys(keys))
    return config


def validate(cfg: dict[str, Any]) -> None:
    """Checks beyond the keys and types: TEST.HYPER rows, dataset ratios (ConfigError).

    Also drops the :data:`LEGACY_KEYS` from the merged ``cfg`` (in place), so the config built from it
    has none of them.
    """
    for section, keys in LEGACY_KEYS.items():
        for key in keys:
            cfg[section].pop(key, None)
    for name, row in cfg["TEST"]["HYPER"].items():
        ok = (len(row) == 3 and isinstance(row[0], int) and isinstance(row[1], int)
              and isinstance(row[2], (int, float)) and row[0] >= 2 and row[1] >= 1)
        if not ok:
            raise ConfigError(f"TEST.HYPER.{name} must be [cache_size>=2, n_short>=1, threshold], got {row}")
    data_train = cfg["DATA"]["TRAIN"]
    if len(data_train["DATASETS_NAME"]) != len(data_train["DATASETS_RATIO"]):
        raise ConfigError("DATA.TRAIN.DATASETS_NAME and DATASETS_RATIO must have the same length")

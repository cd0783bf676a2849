"""SiamAttn network (Deformable Siamese Attention, CVPR 2020): builder, model and checkpoint loading."""
from lib.models.siamattn.anchors import crop_anchors
from lib.models.siamattn.checkpoint import load_siamattn_checkpoint
from lib.models.siamattn.model import SiamAttn, build_siamattn

__all__ = ["SiamAttn", "build_siamattn", "crop_anchors", "load_siamattn_checkpoint"]

"""AiATrack network: ResNet backbone, AiA transformer, corner and IoU heads, official key mapping."""
from lib.models.aiatrack import AiATrack, BackboneOutput, EncodedFrame, ReferenceFrame, build_aiatrack
from lib.models.checkpoint import CheckpointError, load_checkpoint
from lib.models.inference import PRECISIONS, prepare_for_tracking, tracking_dtype

__all__ = ["PRECISIONS", "AiATrack", "BackboneOutput", "CheckpointError", "EncodedFrame", "ReferenceFrame",
           "build_aiatrack", "load_checkpoint", "prepare_for_tracking", "tracking_dtype"]

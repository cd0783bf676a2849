"""AiATrack network: ResNet backbone, AiA transformer, corner and IoU heads, official key mapping."""
from lib.models.aiatrack.checkpoint import CheckpointError, load_checkpoint
from lib.models.aiatrack.inference import prepare_for_tracking, tracking_dtype
from lib.models.aiatrack.model import AiATrack, BackboneOutput, EncodedFrame, ReferenceFrame, build_aiatrack

__all__ = ["AiATrack", "BackboneOutput", "CheckpointError", "EncodedFrame", "ReferenceFrame", "build_aiatrack",
           "load_checkpoint", "prepare_for_tracking", "tracking_dtype"]

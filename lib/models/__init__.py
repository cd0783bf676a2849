"""AiATrack network: ResNet backbone, AiA transformer, corner and IoU heads, official key mapping."""
from lib.models.aiatrack import AiATrack, BackboneOutput, EncodedFrame, ReferenceFrame, build_aiatrack

__all__ = ["AiATrack", "BackboneOutput", "EncodedFrame", "ReferenceFrame", "build_aiatrack"]

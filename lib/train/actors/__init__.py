"""Actors: a model forward on a training batch and its losses."""
from lib.train.actors.aiatrack import AiATrackActor, LossWeights
from lib.train.actors.siamattn import SiamAttnActor, SiamAttnLossConfig

__all__ = ["AiATrackActor", "LossWeights", "SiamAttnActor", "SiamAttnLossConfig"]

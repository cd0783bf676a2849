"""Actors: a model forward on a training batch and its losses."""
from lib.train.actors.aiatrack import AiATrackActor, LossWeights

__all__ = ["AiATrackActor", "LossWeights"]

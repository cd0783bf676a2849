"""Operators shared by the trackers' networks: RoI pooling, position encodings, BatchNorm folding, pretrained
backbone weights."""

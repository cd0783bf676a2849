"""Annotation text parsing for training data: re-exported from :mod:`lib.datasets.annotations` for code that imports them here."""
from lib.datasets.annotations import AnnotationError, parse_boxes, parse_integers

__all__ = ["AnnotationError", "parse_boxes", "parse_integers"]

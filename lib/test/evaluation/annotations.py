"""Strict benchmark annotation readers: re-exported from :mod:`lib.datasets.annotations` for code that imports them here."""
from lib.datasets.annotations import AnnotationError, read_flag_line, read_label_column, read_lines, read_rows

__all__ = ["AnnotationError", "read_flag_line", "read_label_column", "read_lines", "read_rows"]

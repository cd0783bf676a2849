"""Error types shared by the benchmark and training loaders."""


class AnnotationError(ValueError):
    """An annotation file exists but its content is malformed; the message names the file and line."""

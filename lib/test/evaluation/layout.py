"""Benchmark layout checks: re-exported from :mod:`lib.datasets.layout` for code that imports them here."""
from lib.datasets.layout import (DatasetLayoutError, check_frame_ends, list_numbered_frames, missing_path_error,
                                 numbered_frames, read_info_table, require_dir, require_file,
                                 require_sequence_dirs, select_names)

__all__ = ["DatasetLayoutError", "check_frame_ends", "list_numbered_frames", "missing_path_error",
           "numbered_frames", "read_info_table", "require_dir", "require_file", "require_sequence_dirs",
           "select_names"]

"""The sources of a training dataset's files: re-exported from :mod:`lib.datasets.storage` for code that imports them here."""
from lib.datasets.storage import DirectorySource, FileSource, IncompleteDatasetError, check_present

__all__ = ["DirectorySource", "FileSource", "IncompleteDatasetError", "check_present"]

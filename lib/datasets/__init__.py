"""Datasets: one module per dataset that knows its on-disk layout and serves both views.

``lib/datasets/<name>.py`` reads a dataset's folders and annotation files once; the training view
(``lib/train/dataset``, frames and boxes to sample from) and the benchmark view
(``lib/test/evaluation``, sequences to track) are thin wrappers over it. ``catalog.py`` holds one row
per dataset (settings key, data-root sub-folder, splits, lmdb conversion), from which the settings
fields, ``tracking/create_settings.py`` and ``tracking/create_lmdb.py`` follow. Adding a dataset is
one module here and one catalog row. Shared pieces: ``storage.py`` (raw folder or lmdb files),
``annotations.py`` (annotation text readers), ``layout.py`` (sequence lists, folders, frames).
"""

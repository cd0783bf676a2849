"""lmdb databases holding a raw dataset's files: the reader (``LmdbSource``) and the writer.

A database maps each file's POSIX path relative to the raw dataset root (the key, UTF-8) to the
file's bytes, unchanged: frames keep their JPEG encoding, so both sources decode identical pixels.
A manifest entry under ``MANIFEST_KEY`` is written last; the conversion builds the database in
``<output>.partial`` (committing every few hundred files, so an interrupted run resumes where it
stopped) and renames it to ``<output>`` only when complete.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable, Sequence

import lmdb
from tqdm import tqdm

from lib.datasets.storage import FileSource, IncompleteDatasetError

MANIFEST_KEY = b"__aiatrack_lmdb_manifest__"
FORMAT_VERSION = 1
_INITIAL_MAP_SIZE = 1 << 30
_ENVIRONMENTS: dict[str, lmdb.Environment] = {}


def _readonly_environment(path: Path) -> lmdb.Environment:
    """The process's read-only environment of the database at ``path``, opened on first use.

    py-lmdb refuses to open the same files twice in one process, including in a forked child that
    inherited the parent's environment; a read-only, lock-free environment of a database nobody
    writes to stays valid across ``fork``, so children reuse the inherited one.
    """
    key = str(path.resolve())
    env = _ENVIRONMENTS.get(key)
    if env is None:
        env = lmdb.open(key, readonly=True, lock=False, readahead=False, meminit=False, max_readers=1024)
        _ENVIRONMENTS[key] = env
    return env


class LmdbSource(FileSource):
    """Files of a dataset stored in an lmdb database written by ``convert_to_lmdb``.

    Holds no handle itself (see ``_readonly_environment``), so it pickles and can be handed to
    DataLoader workers, forked or spawned.
    """

    def __init__(self, path: str | os.PathLike, what: str = "lmdb database") -> None:
        path = Path(path).expanduser()
        if not (path / "data.mdb").is_file():
            partial = path.with_name(path.name + ".partial")
            state = "is not an lmdb database (no data.mdb)" if path.is_dir() else "does not exist"
            hint = (f"an unfinished conversion is in {partial}: rerun tracking/create_lmdb.py to finish it"
                    if partial.exists() else "create it with python tracking/create_lmdb.py")
            raise FileNotFoundError(f"{what} {path} {state}; {hint}")
        self.path = path
        self.root = str(path)
        manifest = self._get(MANIFEST_KEY)
        if manifest is None:
            raise IncompleteDatasetError(f"{what} {path} has no manifest entry: it was not written by "
                                         "tracking/create_lmdb.py or its conversion did not finish")
        self.manifest: dict = json.loads(manifest)

    def _get(self, key: bytes) -> bytes | None:
        with _readonly_environment(self.path).begin() as txn:
            return txn.get(key)

    def location(self, rel: str) -> str:
        return f"{self.path}[{rel}]"

    def read_bytes(self, rel: str) -> bytes:
        data = self._get(rel.encode("utf-8"))
        if data is None:
            raise FileNotFoundError(f"file not found in lmdb database: {self.location(rel)}")
        return data

    def exists(self, rel: str) -> bool:
        return self._get(rel.encode("utf-8")) is not None

    def list_dir(self, rel: str) -> list[str]:
        folder = rel.strip("/")
        prefix = (folder + "/").encode("utf-8") if folder else b""  # "" lists the top level
        names: set[str] = set()
        with _readonly_environment(self.path).begin() as txn:
            cursor = txn.cursor()
            if cursor.set_range(prefix):
                for key in cursor.iternext(keys=True, values=False):
                    if not key.startswith(prefix):
                        break
                    names.add(key[len(prefix):].split(b"/", 1)[0].decode("utf-8"))
        if not names:
            raise FileNotFoundError(f"folder not found in lmdb database: {self.location(rel)}")
        return sorted(names)


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _write_chunk(env: lmdb.Environment, source: FileSource, keys: Sequence[str]) -> None:
    """Copy the files of ``keys`` not yet in ``env`` in one transaction, growing the map when full."""
    with env.begin() as txn:
        missing = [key for key in keys if txn.get(key.encode("utf-8")) is None]
    if not missing:
        return
    payload = [(key.encode("utf-8"), source.read_bytes(key)) for key in missing]
    while True:
        try:
            with env.begin(write=True) as txn:
                for key, value in payload:
                    txn.put(key, value)
            return
        except lmdb.MapFullError:
            env.set_mapsize(env.info()["map_size"] * 2)


def convert_to_lmdb(source: FileSource, files: Sequence[str], output: str | os.PathLike, description: dict,
                    commit_every: int = 500, progress: bool = True) -> Path:
    """Copy ``files`` (paths relative to ``source``) into a new lmdb database at ``output``.

    Resumes an interrupted conversion found in ``<output>.partial``; the finished database appears at
    ``output`` in one rename. ``description`` (JSON-serialisable) is stored in the manifest.
    Raises ``FileExistsError`` when ``output`` already exists.
    """
    output = Path(output).expanduser()
    if output.exists():
        raise FileExistsError(f"{output} already exists; remove it or choose another output folder")
    partial = output.with_name(output.name + ".partial")
    partial.parent.mkdir(parents=True, exist_ok=True)
    keys = list(dict.fromkeys(files))
    env = lmdb.open(str(partial), map_size=_INITIAL_MAP_SIZE, subdir=True, meminit=False)
    try:
        with tqdm(total=len(keys), unit="file", desc=f"lmdb {output.name}", disable=not progress) as bar:
            for chunk in _chunks(keys, commit_every):
                _write_chunk(env, source, chunk)
                bar.update(len(chunk))
        manifest = dict(description, format=FORMAT_VERSION, files=len(keys), source=source.root)
        with env.begin(write=True) as txn:
            txn.put(MANIFEST_KEY, json.dumps(manifest).encode("utf-8"))
        env.sync(True)
    finally:
        env.close()
    os.replace(partial, output)
    return output

"""Reading ``torch.save`` files without running pickled code: the restricted reader every tracker's checkpoints use.

A ``torch.save`` file is either a zip archive (``<archive>/data.pkl`` holding the pickled object and
``<archive>/data/<key>`` holding the raw bytes of every storage) or, before PyTorch 1.6, a stream of
pickles (magic number, protocol, system info, the object, the list of storage keys) followed by the
storages, each an int64 element count and its raw bytes. In both the pickle refers to storages through
persistent ids ``('storage', <storage class>, key, location, numel, ...)``.

The object pickle is read by a restricted unpickler: plain containers and ``OrderedDict`` are rebuilt,
tensors become :class:`_TensorRecord` (storage key + geometry, no data), and every other global the pickle
names becomes an inert :class:`UnpickledObject` subclass: nothing is imported and no pickled callable runs.
Only the storages of the requested entries (e.g. ``net``) are then read from the file, so optimizer state is
never loaded.

Weights saved from a wrapped model carry the wrapper's attribute name in front of every key:
``module.`` (``DataParallel`` / ``DistributedDataParallel``), ``_orig_mod.`` (``torch.compile``), or both
nested. Such a prefix is removed when every key carries it (:data:`WRAPPER_PREFIXES`).

Checkpoints written by this code base (``tracking/train.py``) store the training configuration as a plain
dict under ``config``; :func:`read_training_config` reads it for any tracker.
"""
from __future__ import annotations

import collections
import io
import pickle
import struct
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Mapping

import torch
from torch import Tensor

__all__ = ["CHECKPOINT_FORMAT", "CheckpointError", "UnpickledObject", "WRAPPER_PREFIXES", "is_ours",
           "read_guarded", "read_state_dict_entry", "read_training_config", "stored_config", "strip_wrapper_prefix"]

CHECKPOINT_FORMAT = "aiatrack-pytorch"

_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL = 1001
_STORAGE_DTYPES = {
    "FloatStorage": torch.float32, "DoubleStorage": torch.float64, "HalfStorage": torch.float16,
    "BFloat16Storage": torch.bfloat16, "LongStorage": torch.int64, "IntStorage": torch.int32,
    "ShortStorage": torch.int16, "CharStorage": torch.int8, "ByteStorage": torch.uint8,
    "BoolStorage": torch.bool, "ComplexFloatStorage": torch.complex64,
    "ComplexDoubleStorage": torch.complex128, "UntypedStorage": torch.uint8,
}
#: prefixes that model wrappers put in front of every state-dict key, stripped when all keys carry one
WRAPPER_PREFIXES = ("module.", "_orig_mod.")


class CheckpointError(ValueError):
    """A checkpoint file that cannot be read or does not fit the model; the message names the file."""

    def __init__(self, path: str | Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = Path(path)
        self.problem = problem


# ------------------------------------------------------------------------------------ unpickling
class UnpickledObject:
    """Inert stand-in for an object of a class that was not imported.

    It records what the pickle gave it (constructor arguments, state, appended items) and does nothing
    else. ``source`` names the original ``module.qualname``.
    """

    source = "?"

    def __new__(cls, *args: Any, **kwargs: Any) -> "UnpickledObject":
        obj = super().__new__(cls)
        obj.args, obj.kwargs, obj.state, obj.items = args, kwargs, None, []
        return obj

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __setstate__(self, state: Any) -> None:
        self.state = state

    def __setitem__(self, key: Any, value: Any) -> None:
        self.items.append((key, value))

    def append(self, item: Any) -> None:
        self.items.append(item)

    def extend(self, items: Any) -> None:
        self.items.extend(items)

    def __repr__(self) -> str:
        return f"<unpickled {self.source} (not imported)>"


@dataclass(frozen=True)
class _StorageType:
    dtype: torch.dtype


@dataclass(frozen=True)
class _StorageRecord:
    key: str
    dtype: torch.dtype
    numel: int


@dataclass(frozen=True)
class _TensorRecord:
    """A pickled tensor whose data has not been read: storage plus offset, size and stride (in elements)."""

    storage: _StorageRecord
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]


def _rebuild_tensor(storage: Any, offset: int, size: Any, stride: Any,
                    *_: Any) -> _TensorRecord | UnpickledObject:
    if not isinstance(storage, _StorageRecord):
        return UnpickledObject(storage, offset, size, stride)
    return _TensorRecord(storage, int(offset), tuple(int(s) for s in size), tuple(int(s) for s in stride))


def _rebuild_parameter(data: Any, *_: Any) -> Any:
    return data


_ALLOWED_GLOBALS = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
}


class _RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that never imports: allowed globals map to local rebuild functions, others to stand-ins."""

    def __init__(self, file: BinaryIO) -> None:
        super().__init__(file)
        self._stand_ins: dict[tuple[str, str], type] = {}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED_GLOBALS:
            return _ALLOWED_GLOBALS[module, name]
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(_STORAGE_DTYPES[name])
        if (module, name) not in self._stand_ins:
            self._stand_ins[module, name] = type(name, (UnpickledObject,), {"source": f"{module}.{name}"})
        return self._stand_ins[module, name]

    def persistent_load(self, pid: Any) -> Any:
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r}")
        storage_type, key, numel = pid[1], str(pid[2]), pid[4]
        if len(pid) > 5 and pid[5] is not None:
            raise pickle.UnpicklingError("storage views of the pre-1.0 legacy format are not supported")
        if not isinstance(storage_type, _StorageType) or not isinstance(numel, int):
            return UnpickledObject(*pid)  # e.g. a quantized storage: readable only as an inert record
        return _StorageRecord(key, storage_type.dtype, numel)


def _unpickle(file: BinaryIO) -> Any:
    return _RestrictedUnpickler(file).load()


# ------------------------------------------------------------------------------- storage sources
class _ZipStorages:
    """Storages of a zip-format checkpoint, read on demand."""

    def __init__(self, archive: zipfile.ZipFile, prefix: str) -> None:
        self.archive, self.prefix = archive, prefix
        byteorder_name = f"{prefix}byteorder"
        if byteorder_name in archive.namelist():
            byteorder = archive.read(byteorder_name).decode().strip()
            if byteorder != sys.byteorder:
                raise pickle.UnpicklingError(f"storages are {byteorder}-endian, this machine is {sys.byteorder}")

    def read(self, key: str, buffer: memoryview) -> None:
        with self.archive.open(f"{self.prefix}data/{key}") as stream:
            _read_exactly(stream, buffer, f"storage {key}")


class _LegacyStorages:
    """Storages appended after the pickles of a pre-1.6 checkpoint: (int64 count, raw bytes) in key order."""

    def __init__(self, stream: BinaryIO, keys: list[str], dtypes: dict[str, torch.dtype]) -> None:
        self.stream, self.offsets = stream, {}
        for key in keys:
            header = stream.read(8)
            if len(header) != 8:
                raise EOFError(f"file ends before storage {key}")
            count = struct.unpack("<q", header)[0]
            self.offsets[key] = stream.tell()
            stream.seek(count * _element_size(dtypes.get(key, torch.uint8)), io.SEEK_CUR)

    def read(self, key: str, buffer: memoryview) -> None:
        self.stream.seek(self.offsets[key])
        _read_exactly(self.stream, buffer, f"storage {key}")


def _element_size(dtype: torch.dtype) -> int:
    return torch.empty((), dtype=dtype).element_size()


def _read_exactly(stream: BinaryIO, buffer: memoryview, what: str) -> None:
    done = 0
    while done < len(buffer):
        count = stream.readinto(buffer[done:])
        if not count:
            raise EOFError(f"file ends inside {what}")
        done += count


def _storage_records(obj: Any) -> dict[str, torch.dtype]:
    """Dtype of every storage referenced anywhere in an unpickled structure (which may contain cycles)."""
    found: dict[str, torch.dtype] = {}
    stack, seen = [obj], set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, _TensorRecord):
            found[item.storage.key] = item.storage.dtype
        elif isinstance(item, _StorageRecord):
            found[item.key] = item.dtype
        elif isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, UnpickledObject):
            stack.extend((item.args, item.state, item.items))
    return found


def _materialize(path: Path, records: Mapping[str, Any], storages: _ZipStorages | _LegacyStorages,
                 entry: str = "net") -> dict[str, Tensor]:
    """Read the tensors of a state dict of records (each storage once)."""
    loaded: dict[str, Tensor] = {}
    state: dict[str, Tensor] = {}
    for name, record in records.items():
        if not isinstance(name, str) or not isinstance(record, _TensorRecord):
            raise CheckpointError(path, f"the {entry!r} entry {name!r} is {record!r}, not a tensor")
        storage = record.storage
        if storage.key not in loaded:
            raw = torch.empty(storage.numel * _element_size(storage.dtype), dtype=torch.uint8)
            storages.read(storage.key, memoryview(raw.numpy()))
            loaded[storage.key] = raw.view(storage.dtype)
        flat = loaded[storage.key]
        extent = record.offset + sum((s - 1) * st for s, st in zip(record.size, record.stride)) + 1
        if min(record.size, default=1) > 0 and extent > flat.numel():
            raise pickle.UnpicklingError(f"{entry!r} entry {name!r} reaches beyond its storage")
        state[name] = flat.as_strided(record.size, record.stride, record.offset)
    return state


def _read_raw(path: Path, entries: tuple[str, ...] = ("net",)) -> tuple[Any, dict[str, Tensor] | None]:
    """Unpickle the top-level object and read the tensors of its first entry among ``entries`` (None if none)."""
    with open(path, "rb") as stream:
        head = stream.read(4)
        stream.seek(0)
        if head.startswith(b"PK\x03\x04"):
            try:
                archive = zipfile.ZipFile(stream)
            except zipfile.BadZipFile as exc:
                raise CheckpointError(path, f"truncated or corrupt zip archive ({exc})") from None
            with archive:
                pickles = [n for n in archive.namelist() if n.endswith("data.pkl") and n.count("/") == 1]
                if not pickles:
                    raise CheckpointError(path, "zip archive without a '<archive>/data.pkl' record: "
                                                "not a torch.save checkpoint")
                prefix = pickles[0][: -len("data.pkl")]
                with archive.open(pickles[0]) as pickled:
                    top = _unpickle(pickled)
                net = _net_tensors(path, top, _ZipStorages(archive, prefix), entries)
            return top, net
        if _read_legacy_header(stream):
            top = _unpickle(stream)
            keys = _unpickle(stream)
            if not isinstance(keys, list):
                raise CheckpointError(path, "legacy checkpoint without its storage key list")
            storages = _LegacyStorages(stream, [str(k) for k in keys], _storage_records(top))
            return top, _net_tensors(path, top, storages, entries)
    raise CheckpointError(path, "not a PyTorch checkpoint (neither a torch.save zip archive nor a legacy "
                                "torch.save stream)")


def _read_legacy_header(stream: BinaryIO) -> bool:
    """Consume the magic number, protocol and system-info pickles of a legacy file; False if absent."""
    try:
        magic = _unpickle(stream)
    except Exception:  # any bytes that do not start with a pickle: not a legacy checkpoint
        return False
    if magic != _LEGACY_MAGIC:
        return False
    protocol = _unpickle(stream)
    if protocol != _LEGACY_PROTOCOL:
        raise pickle.UnpicklingError(f"unsupported legacy protocol {protocol!r}")
    system = _unpickle(stream)
    if isinstance(system, Mapping) and system.get("little_endian", True) != (sys.byteorder == "little"):
        raise pickle.UnpicklingError("storages were written with another byte order")
    return True


def _net_tensors(path: Path, top: Any, storages: _ZipStorages | _LegacyStorages,
                 entries: tuple[str, ...] = ("net",)) -> dict[str, Tensor] | None:
    if not isinstance(top, Mapping):
        return None
    entry = next((e for e in entries if e in top), None)
    if entry is None:
        return None
    if not isinstance(top[entry], Mapping):
        raise CheckpointError(path, f"the {entry!r} entry is {type(top[entry]).__name__}, not a state dict")
    return _materialize(path, top[entry], storages, entry)


def read_guarded(path: Path, entries: tuple[str, ...]) -> tuple[Any, dict[str, Tensor] | None]:
    """:func:`_read_raw`, with a missing file and every reading failure turned into a CheckpointError."""
    if not path.is_file():
        raise CheckpointError(path, "no such checkpoint file")
    try:
        return _read_raw(path, entries)
    except CheckpointError:
        raise
    except (pickle.UnpicklingError, EOFError, zipfile.BadZipFile, KeyError, ValueError, TypeError,
            AttributeError, IndexError, OSError, RuntimeError, struct.error) as exc:
        raise CheckpointError(path, f"truncated or corrupt checkpoint ({type(exc).__name__}: {exc})") from None


# ------------------------------------------------------------------------------------ public API
def read_state_dict_entry(path: str | Path, entries: tuple[str, ...]) -> tuple[dict[str, Tensor], Any]:
    """Safely read the state dict stored under the first of ``entries`` present in a checkpoint's top dict.

    Returns ``(tensors, top)``: the tensors keep the stored geometry (strided views included) on the CPU;
    ``top`` is the restricted-unpickled top-level object (plain values, inert stand-ins, tensor records).
    Raises :class:`CheckpointError` naming the file when it is missing, corrupt or has none of ``entries``.
    """
    path = Path(path)
    top, state = read_guarded(path, entries)
    if state is None:
        kind = f"dict with entries {sorted(map(str, top))}" if isinstance(top, Mapping) else type(top).__name__
        raise CheckpointError(path, f"expected a dict with one of the state-dict entries {list(entries)}, "
                                    f"found a {kind}")
    return state, top


def read_training_config(path: str | Path) -> tuple[dict[str, Any] | None, int | None]:
    """The training configuration and epoch stored in a checkpoint, without reading any weights.

    The config is the plain dict ``tracking/train.py`` stores (``ConfigNode.to_dict()``), ``None`` for
    files without one (official checkpoints); the epoch is ``None`` when absent. Works for every tracker's
    files. Raises :class:`CheckpointError` naming the file when it is missing or cannot be read.
    """
    top = read_guarded(Path(path), ())[0]
    if not isinstance(top, Mapping):
        return None, None
    epoch = top.get("epoch")
    return stored_config(top), epoch if isinstance(epoch, int) else None


def is_ours(top: Mapping[str, Any]) -> bool:
    """Written by this code base: marked with our format, or carrying a training config (official files never do)."""
    return top.get("format") == CHECKPOINT_FORMAT or isinstance(top.get("config"), Mapping)


def stored_config(top: Mapping[str, Any]) -> dict[str, Any] | None:
    config = top.get("config")
    return dict(config) if isinstance(config, Mapping) else None


def strip_wrapper_prefix(state: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """``state`` without the :data:`WRAPPER_PREFIXES` that every one of its keys carries, and what was removed.

    Prefixes are removed repeatedly (``module._orig_mod.`` for a compiled model under DDP); a prefix
    only some keys carry is left alone (those keys then fail strict loading, naming them).
    """
    removed = ""
    state = dict(state)
    while state:
        prefix = next((p for p in WRAPPER_PREFIXES if all(str(k).startswith(p) for k in state)), None)
        if prefix is None:
            break
        state = {k[len(prefix):]: v for k, v in state.items()}
        removed += prefix
    return state, removed

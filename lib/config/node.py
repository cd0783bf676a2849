"""A small, immutable, attribute-access configuration tree with strict merging."""
from __future__ import annotations

import copy
from typing import Any, Iterator, Mapping


class ConfigError(ValueError):
    """Raised for unknown keys, wrong types or unreadable configuration files."""


class ConfigNode(Mapping[str, Any]):
    """Read-only nested mapping whose entries are also attributes (``cfg.MODEL.HIDDEN_DIM``).

    A node is built once (defaults merged with an experiment file) and then passed around
    explicitly; it cannot be modified afterwards. Use :meth:`replace` to derive a changed copy.
    """

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, Any]):
        converted = {}
        for key, value in items.items():
            converted[key] = ConfigNode(value) if isinstance(value, Mapping) else _freeze(value)
        object.__setattr__(self, "_items", converted)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._items[name]
        except KeyError:
            raise AttributeError(f"config has no key {name!r}; known keys: {sorted(self._items)}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("ConfigNode is immutable; use replace() to derive a modified copy")

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"ConfigNode({self.to_dict()!r})"

    def __reduce__(self):
        return (ConfigNode, (self.to_dict(),))

    def to_dict(self) -> dict[str, Any]:
        """Plain nested ``dict``/``list`` copy (for YAML dumps and checkpoints)."""
        return {k: v.to_dict() if isinstance(v, ConfigNode) else _thaw(v) for k, v in self._items.items()}

    def replace(self, overrides: Mapping[str, Any], source: str = "overrides") -> "ConfigNode":
        """Return a copy with ``overrides`` (nested mapping) merged strictly into it."""
        return ConfigNode(merge_strict(self.to_dict(), overrides, source))


def _freeze(value: Any) -> Any:
    return tuple(_freeze(v) for v in value) if isinstance(value, list) else value


def _thaw(value: Any) -> Any:
    return [_thaw(v) for v in value] if isinstance(value, tuple) else value


def _check_type(default: Any, value: Any, path: str, source: str) -> Any:
    """Validate that ``value`` may replace ``default`` and return it normalised."""
    if default is None or value is None:
        return value
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{source}: key {path} must be true/false, got {value!r}")
        return value
    if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(default, (list, tuple)):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{source}: key {path} must be a list, got {value!r}")
        return list(value)
    if isinstance(default, (int, float, str)) and type(value) is not type(default):
        if isinstance(default, int) and isinstance(value, float) and value.is_integer():
            return int(value)
        raise ConfigError(f"{source}: key {path} must be of type {type(default).__name__}, got {value!r}")
    return value


def merge_strict(base: dict[str, Any], overrides: Mapping[str, Any], source: str, prefix: str = "") -> dict[str, Any]:
    """Merge ``overrides`` into a deep copy of ``base``; unknown keys raise :class:`ConfigError`.

    ``source`` names the file (or flag) the overrides came from, for error messages.
    """
    merged = copy.deepcopy(base)
    for key, value in overrides.items():
        path = f"{prefix}{key}"
        if key not in merged:
            known = ", ".join(sorted(merged))
            raise ConfigError(f"{source}: unknown config key {path!r} (known at this level: {known})")
        if isinstance(merged[key], dict):
            if not isinstance(value, Mapping):
                raise ConfigError(f"{source}: key {path} is a section and must be a mapping, got {value!r}")
            merged[key] = merge_strict(merged[key], value, source, prefix=f"{path}.")
        else:
            if isinstance(value, Mapping):
                raise ConfigError(f"{source}: key {path} is a value, not a section")
            merged[key] = _check_type(merged[key], value, path, source)
    return merged


def _flatten(config: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(config, Mapping):
        return {prefix: config}
    flat: dict[str, Any] = {}
    for key, value in config.items():
        flat.update(_flatten(value, f"{prefix}{key}." if isinstance(value, Mapping) else f"{prefix}{key}"))
    return flat


def config_differences(saved: Mapping[str, Any] | None, current: Mapping[str, Any]) -> list[str]:
    """``KEY (checkpoint A, now B)`` for every config key whose value differs, MODEL keys first."""
    if saved is None:
        return []
    old, new = _flatten(saved), _flatten(current)
    keys = sorted(set(old) | set(new), key=lambda k: (not k.startswith("MODEL."), k))
    return [f"{k} (checkpoint {old.get(k, '-')!r}, now {new.get(k, '-')!r})" for k in keys if old.get(k) != new.get(k)]


def list_differences(differences: list[str], limit: int = 8) -> str:
    """The first ``limit`` of :func:`config_differences` joined by ``'; '``, with how many more there are."""
    listed = "; ".join(differences[:limit])
    return listed + (f"; and {len(differences) - limit} more" if len(differences) > limit else "")

"""Column kinds and roles: what each column is, and what driftscope does with it.

A `Schema` holds one `ColumnSpec` per column. Anything left as ``None`` is inferred from the data
(see `infer_schema`); anything set is kept verbatim, so every inference can be overridden from
Python, from the CLI, or from a YAML file.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from driftscope._shorten import shorten, shown
from driftscope.exceptions import InputFileNotFoundError, SchemaError

__all__ = ["MAX_SCHEMA_BYTES", "ColumnKind", "ColumnRole", "ColumnSpec", "Schema", "SchemaMismatch"]


class ColumnKind(StrEnum):
    NUMERICAL = "numerical"
    CATEGORICAL = "categorical"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    TEXT = "text"
    ID = "id"
    CONSTANT = "constant"
    #: Raw bytes (a Parquet ``binary`` column): listed, never tested.
    BINARY = "binary"


class ColumnRole(StrEnum):
    FEATURE = "feature"
    TARGET = "target"
    PREDICTION = "prediction"
    PROBABILITY = "probability"
    TIMESTAMP = "timestamp"
    ID = "id"
    IGNORED = "ignored"


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """What one column is (kind), what it is for (role), and how to test it.

    ``method`` and ``threshold`` override the default drift rule for this column; ``note`` says
    why a kind or role was inferred, or why the column is excluded.
    """

    name: str
    kind: ColumnKind | None = None
    role: ColumnRole | None = None
    method: str | None = None
    threshold: float | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        # Kinds and roles may be given as strings (``ColumnSpec("zip", kind="categorical")``);
        # store the enum so identity checks such as ``kind is ColumnKind.TEXT`` hold downstream.
        object.__setattr__(
            self, "kind", _enum(ColumnKind, self.kind, f"The kind of column {shown(self.name)}")
        )
        object.__setattr__(
            self, "role", _enum(ColumnRole, self.role, f"The role of column {shown(self.name)}")
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": None if self.kind is None else str(self.kind),
            "role": None if self.role is None else str(self.role),
            "method": self.method,
            "threshold": self.threshold,
            "note": self.note,
        }


def _enum(enum: type[StrEnum], value: object, where: str) -> Any:
    if value is None or isinstance(value, enum):
        return value
    try:
        return enum(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(repr(str(v)) for v in enum)
        raise SchemaError(f"{where} must be one of {allowed}. Got {shown(value)}.") from None


@dataclass(frozen=True)
class SchemaMismatch:
    """The first way one schema differs from another in its columns' names, kinds and roles.

    ``what`` is ``"only_first"`` or ``"only_second"`` (``column`` is the first of ``count``
    columns found in that schema alone), or ``"kind"`` or ``"role"`` (``column`` has ``first``
    in one schema and ``second`` in the other).
    """

    what: str
    column: str
    count: int = 1
    first: str = ""
    second: str = ""


@dataclass(frozen=True)
class Schema:
    """Per-column kinds, roles, methods and thresholds; unset fields are inferred.

    >>> schema = Schema.from_dict({"columns": {"age": {"kind": "numerical", "method": "psi"}},
    ...                            "target": "churn"})
    >>> schema["age"].method, str(schema["churn"].role)
    ('psi', 'target')
    """

    columns: tuple[ColumnSpec, ...] = ()
    _by_name: dict[str, ColumnSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name: dict[str, ColumnSpec] = {}
        for spec in self.columns:
            if spec.name in by_name:
                raise SchemaError(f"Column {shown(spec.name)} appears twice in the schema.")
            by_name[spec.name] = spec
        object.__setattr__(self, "_by_name", by_name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __getitem__(self, name: str) -> ColumnSpec:
        return self._by_name[name]

    def __iter__(self) -> Any:
        return iter(self.columns)

    def __len__(self) -> int:
        return len(self.columns)

    @property
    def names(self) -> list[str]:
        return [spec.name for spec in self.columns]

    def get(self, name: str) -> ColumnSpec | None:
        return self._by_name.get(name)

    def mismatch(self, other: Schema) -> SchemaMismatch | None:
        """The first difference from ``other`` (columns of this schema missing there, then
        columns only there, then kinds and roles in this schema's order), or None.

        >>> a = Schema.from_dict({"columns": {"x": "numerical", "c": "categorical"}})
        >>> b = Schema.from_dict({"columns": {"x": "categorical", "c": "categorical"}})
        >>> a.mismatch(b)
        SchemaMismatch(what='kind', column='x', count=1, first='numerical', second='categorical')
        >>> a.mismatch(a) is None
        True
        """
        for what, names in (
            ("only_first", [n for n in self.names if n not in other]),
            ("only_second", [n for n in other.names if n not in self]),
        ):
            if names:
                return SchemaMismatch(what, names[0], count=len(names))
        for spec in self:
            theirs = other[spec.name]
            for what in ("kind", "role"):
                mine, got = getattr(spec, what), getattr(theirs, what)
                if mine != got:
                    return SchemaMismatch(what, spec.name, first=str(mine), second=str(got))
        return None

    def with_column(self, spec: ColumnSpec) -> Schema:
        """A new schema where the fields set in ``spec`` replace those of the column of that name
        (which is added if absent). Kinds and roles given as strings are validated."""
        base = self.get(spec.name) or ColumnSpec(name=spec.name)
        given = {k: v for k, v in spec.to_dict().items() if v is not None and k != "name"}
        merged = replace(base, **given)
        merged = replace(
            merged,
            kind=_enum(ColumnKind, merged.kind, f"The kind of column {shown(spec.name)}"),
            role=_enum(ColumnRole, merged.role, f"The role of column {shown(spec.name)}"),
        )
        if spec.name in self._by_name:
            return Schema(tuple(merged if c.name == spec.name else c for c in self.columns))
        return Schema((*self.columns, merged))

    def to_dict(self) -> dict[str, Any]:
        return {"columns": [spec.to_dict() for spec in self.columns]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "schema") -> Schema:
        """Build a schema from a mapping, as written in a YAML config file.

        Accepted keys: ``columns`` (a mapping of column name to ``kind``, ``role``, ``method``,
        ``threshold``, or a list of such mappings with a ``name``), and the shortcuts ``target``,
        ``prediction``, ``timestamp``, ``id`` (a column name or list of names) and ``ignore``.
        """
        if not isinstance(data, Mapping):
            raise SchemaError(f"{source}: expected a mapping at the top level. Got {shown(data)}.")
        known = {"columns", "target", "prediction", "probabilities", "timestamp", "id", "ignore"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise SchemaError(
                f"{source}: unknown key(s) {', '.join(map(repr, unknown))}; "
                f"expected some of {', '.join(sorted(known))}."
            )
        # Built in one pass (with_column copies the schema: quadratic in a file of 50k columns).
        specs: dict[str, ColumnSpec] = {}
        raw_columns = data.get("columns") or {}
        items: Iterable[tuple[str, Any]]
        if isinstance(raw_columns, Mapping):
            items = raw_columns.items()
        elif isinstance(raw_columns, list):
            items = []
            seen: set[str] = set()
            for entry in raw_columns:
                if not isinstance(entry, Mapping) or "name" not in entry:
                    raise SchemaError(
                        f"{source}: each entry of 'columns' must be a mapping with a 'name'. "
                        f"Got {shown(entry)}."
                    )
                if str(entry["name"]) in seen:
                    raise SchemaError(
                        f"{source}: column {shown(str(entry['name']))} appears twice in 'columns'; "
                        "expected each column once."
                    )
                seen.add(str(entry["name"]))
                items.append((str(entry["name"]), {k: v for k, v in entry.items() if k != "name"}))
        else:
            raise SchemaError(
                f"{source}: 'columns' must be a mapping or a list. Got {shown(raw_columns)}."
            )
        fields_allowed = {"kind", "role", "method", "threshold", "note"}
        for name, entry in items:
            if isinstance(entry, str):
                entry = {"kind": entry}
            if not isinstance(entry, Mapping):
                raise SchemaError(
                    f"{source}: column {shown(name)} must map to a mapping. Got {shown(entry)}."
                )
            bad = sorted(set(entry) - fields_allowed)
            if bad:
                raise SchemaError(
                    f"{source}: column {shown(name)} has unknown field(s) "
                    f"{', '.join(map(shown, bad))}; "
                    f"expected some of {', '.join(sorted(fields_allowed))}."
                )
            method = entry.get("method")
            expected = None if method is None else method_problem(method)
            if expected is not None:
                raise SchemaError(
                    f"{source}: the method of column {shown(name)} must be {expected}. "
                    f"Got {shown(method)}."
                )
            threshold = entry.get("threshold")
            # bool is an int in Python, but `threshold: yes` is a mistake, not 1.0.
            expected = None if threshold is None else threshold_problem(threshold, method)
            if expected is not None:
                raise SchemaError(
                    f"{source}: the threshold of column {shown(name)} must be {expected}. "
                    f"Got {shown(threshold)}."
                )
            specs[str(name)] = ColumnSpec(
                name=str(name),
                kind=_enum(ColumnKind, entry.get("kind"), f"{source}: the kind of {shown(name)}"),
                role=_enum(ColumnRole, entry.get("role"), f"{source}: the role of {shown(name)}"),
                method=method,
                threshold=None if threshold is None else float(threshold),
                note=entry.get("note"),
            )
        shortcuts = {
            "target": ColumnRole.TARGET,
            "prediction": ColumnRole.PREDICTION,
            "probabilities": ColumnRole.PROBABILITY,
            "timestamp": ColumnRole.TIMESTAMP,
            "id": ColumnRole.ID,
            "ignore": ColumnRole.IGNORED,
        }
        for key, role in shortcuts.items():
            value = data.get(key)
            if value is None:
                continue
            names = [value] if isinstance(value, str) else value
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise SchemaError(
                    f"{source}: {key!r} must be a column name or a list of names. "
                    f"Got {shown(value)}."
                )
            for n in names:
                specs[n] = replace(specs[n], role=role) if n in specs else ColumnSpec(n, role=role)
        return cls(tuple(specs.values()))

    @classmethod
    def from_yaml(cls, path: str | Path) -> Schema:
        """Read a schema from a YAML file (see docs/schema.md).

        The file is read with a safe loader that refuses aliases (``*name``): nested aliases
        expand exponentially (a 400-byte "billion laughs" file grows to gigabytes), and a schema
        never needs them. Files over `MAX_SCHEMA_BYTES` are refused before they are parsed.
        """
        p = Path(path)
        shown_path = shown(str(p))
        if p.is_dir():
            raise SchemaError(f"Schema file {shown_path} is a folder; expected a YAML file.")
        if not p.is_file():
            raise InputFileNotFoundError(f"Schema file {shown_path} does not exist.")
        size = p.stat().st_size
        if size > MAX_SCHEMA_BYTES:
            raise SchemaError(
                f"Schema file {shown_path} is {size:,} bytes; expected at most "
                f"{MAX_SCHEMA_BYTES:,} (a schema lists columns, it holds no data)."
            )
        source = f"Schema file {shown_path}"
        data = _load_yaml(p.read_bytes(), source)
        return cls.from_dict(data or {}, source=source)


# A schema of thousands of columns is a few hundred kilobytes; anything bigger is not a schema.
MAX_SCHEMA_BYTES = 1024 * 1024


def _load_yaml(raw: bytes, source: str) -> Any:
    """Parse YAML safely: no Python objects, no aliases, bounded nesting, and errors that say
    where the problem is without quoting the file."""
    import yaml

    class NoAliasLoader(yaml.SafeLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise SchemaError(
                    f"{source}: line {mark.line + 1} uses a YAML alias (*name); aliases are "
                    "not accepted in a schema file (they can expand without bound). Write the "
                    "value out instead."
                )
            return super().compose_node(parent, index)

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SchemaError(
            f"{source} is not valid YAML: it is not UTF-8 text (byte {raw[exc.start]:#04x} at "
            f"position {exc.start})."
        ) from None
    try:
        return yaml.load(text, Loader=NoAliasLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise SchemaError(f"{source} is not valid YAML: {shorten(str(exc), 500)}") from None
    except RecursionError:
        raise SchemaError(
            f"{source} nests too deeply to be a schema; expected columns with a few fields each."
        ) from None


def threshold_problem(value: object, method: str | None) -> str | None:
    """Why ``value`` cannot be the drift threshold of a column tested by ``method`` (None or
    ``"auto"`` for the default rule), or None when it can.

    For a test the threshold is a significance level, in (0, 1]; for a distance it is the
    statistic's floor, a finite number > 0 (docs/drift-decision.md).

    >>> threshold_problem(0.01, None) is None, threshold_problem(7, "psi") is None
    (True, True)
    >>> threshold_problem(7, "ks")
    "a significance level in (0, 1] (method 'ks' is a test)"
    """
    from driftscope.stats import METHODS

    is_test = method is None or method == "auto" or (method in METHODS and METHODS[method].is_test)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "a number"
    if not math.isfinite(value):
        return "a finite number"
    if is_test and not 0 < value <= 1:
        what = (
            "the default rule uses tests"
            if method in (None, "auto")
            else f"method {method!r} is a test"
        )
        return f"a significance level in (0, 1] ({what})"
    if value <= 0:
        return f"a distance floor > 0 (method {method!r} is a distance)"
    return None


def method_problem(method: object) -> str | None:
    """Why ``method`` is not a drift method name, or None when it is one (or ``"auto"``)."""
    from driftscope.stats import METHODS

    if isinstance(method, str) and (method == "auto" or method in METHODS):
        return None
    return f"one of {', '.join(sorted(['auto', *METHODS]))}"

"""Check a report dict against the published JSON Schema (``report-schema.json``).

``jsonschema`` is a development dependency only, so it is imported when a check is asked for.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["report_schema", "validate_quality_report", "validate_report"]

_SCHEMA_FILE = "report-schema.json"
_MAX_LISTED = 20
_MAX_MESSAGE = 200


@cache
def _schema_text() -> str:
    return resources.files("driftscope.report").joinpath(_SCHEMA_FILE).read_text(encoding="utf-8")


def report_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``Report.to_dict()``, as a fresh dict.

    >>> schema = report_schema()
    >>> schema["$schema"].endswith("2020-12/schema"), schema["properties"]["schema_version"]["type"]
    (True, 'string')
    """
    data: dict[str, Any] = json.loads(_schema_text())
    return data


def validate_report(report_dict: Any) -> None:
    """Raise if ``report_dict`` does not match the report JSON Schema; return ``None`` if it does.

    Every mismatch is listed in the message, each with its path in the dict
    (``columns/3/p_value: 'x' is not valid under any of the given schemas``).

    Raises
    ------
    ImportError
        If ``jsonschema`` (a development dependency) is not installed.
    jsonschema.ValidationError
        If the dict does not match.

    Examples
    --------
    >>> validate_report({"schema_version": "1.0"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    jsonschema.exceptions.ValidationError: The report does not match ... (... problems):
      (top level): 'ab_test' is a required property
    ...
    """
    _validate(report_dict, None, "The report", "validate_report")


def validate_quality_report(quality_dict: Any) -> None:
    """Raise if ``quality_dict`` does not match the JSON of ``driftscope quality --json`` (the
    ``quality_report`` definition of the same JSON Schema); return ``None`` if it does.

    Raises
    ------
    ImportError
        If ``jsonschema`` (a development dependency) is not installed.
    jsonschema.ValidationError
        If the dict does not match, every mismatch listed with its path.

    Examples
    --------
    >>> validate_quality_report({"schema_version": "1.0"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    jsonschema.exceptions.ValidationError: The quality report does not match ... (5 problems):
      (top level): 'created_at' is a required property
    ...
    """
    _validate(quality_dict, "quality_report", "The quality report", "validate_quality_report")


@cache
def _validator(definition: str | None) -> Any:
    """The validator of the whole report, or of one definition of its schema; built once, so
    checking many reports does not rebuild it."""
    import jsonschema

    schema = report_schema()
    if definition is not None:
        schema = {"$schema": schema["$schema"], "$defs": schema["$defs"]}
        schema["$ref"] = f"#/$defs/{definition}"
    return jsonschema.Draft202012Validator(schema)


def _validate(data: Any, definition: str | None, what: str, caller: str) -> None:
    try:
        import jsonschema
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"{caller} needs the 'jsonschema' package, a development dependency of "
            "driftscope. Install it with: pip install 'driftscope[dev]' "
            "(or pip install jsonschema)."
        ) from None

    validator = _validator(definition)
    # An error under "anyOf" (a nullable object) says little; its best sub-error says what broke.
    errors = sorted(
        (jsonschema.exceptions.best_match([e]) or e for e in validator.iter_errors(data)),
        key=lambda e: ([str(p) for p in e.absolute_path], e.message),
    )
    if not errors:
        return
    lines = []
    for error in errors[:_MAX_LISTED]:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        message = error.message
        if len(message) > _MAX_MESSAGE:
            message = message[: _MAX_MESSAGE - 3] + "..."
        lines.append(f"  {where}: {message}")
    if len(errors) > _MAX_LISTED:
        lines.append(f"  ... and {len(errors) - _MAX_LISTED} more")
    plural = "problem" if len(errors) == 1 else "problems"
    raise jsonschema.ValidationError(
        f"{what} does not match {_SCHEMA_FILE} ({len(errors)} {plural}):\n" + "\n".join(lines)
    )

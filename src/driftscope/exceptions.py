"""The one exceptions module: every error driftscope raises derives from `DriftscopeError`.

Each error also subclasses the matching built-in, so ``except ValueError`` keeps working, and every
message says what was expected and what was got.
"""

from __future__ import annotations

from driftscope._shorten import shown

__all__ = [
    "ColumnError",
    "DriftscopeError",
    "EmptyDataError",
    "ExtraMissingError",
    "FileFormatError",
    "InputFileNotFoundError",
    "InputTypeError",
    "IntegrationError",
    "MetricNotComputedError",
    "OutputFileError",
    "ParameterError",
    "SchemaError",
    "ServiceConnectionError",
    "ServiceRequestError",
    "ServiceTimeoutError",
]


class DriftscopeError(Exception):
    """Base class of every error raised by driftscope."""


class ParameterError(DriftscopeError, ValueError):
    """A parameter has a value outside what the function or class accepts."""


class MetricNotComputedError(ParameterError):
    """A benchmark or floor names a metric the model's task does not compute, so it could never
    be met or missed.

    ``argument`` is the argument that named it (``"benchmarks"`` or ``"floors"``), ``metric``
    the name, ``reason`` why it cannot apply and ``expected`` the metrics that can, which a
    command line can quote under its own option names.
    """

    def __init__(
        self,
        message: str,
        *,
        argument: str = "",
        metric: str = "",
        reason: str = "",
        expected: str = "",
    ) -> None:
        super().__init__(message)
        self.argument = argument
        self.metric = metric
        self.reason = reason
        self.expected = expected


class InputFileNotFoundError(DriftscopeError, FileNotFoundError):
    """An input file does not exist."""


class InputTypeError(DriftscopeError, TypeError):
    """An argument is of a type the function does not accept (a table given as None, a list...)."""


class OutputFileError(DriftscopeError, OSError):
    """An output file (a report) cannot be written where the user asked."""


class FileFormatError(DriftscopeError, ValueError):
    """An input file exists but cannot be read as the expected format."""


class EmptyDataError(DriftscopeError, ValueError):
    """An input has no rows or no usable columns, so nothing can be computed."""


class SchemaError(DriftscopeError, ValueError):
    """A schema (from Python, the CLI or a YAML file) is invalid or names unknown columns."""


class ColumnError(DriftscopeError, ValueError):
    """One column holds values that the requested computation cannot use."""


class ExtraMissingError(DriftscopeError, ImportError):
    """A feature needs an optional extra (``driftscope[server]``...) that is not installed; the
    message gives the line that installs it."""


class ServiceRequestError(DriftscopeError, OSError):
    """The driftscope service refused a request (an RFC 9457 problem): ``status`` is the HTTP
    status, ``title`` and ``detail`` the problem's, ``field`` the request field at fault (None
    when the problem names none), and ``errors`` every ``{"field", "detail"}`` it listed.

    Like the standard library's `urllib.error.HTTPError`, an `OSError`.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        title: str = "",
        detail: str = "",
        field: str | None = None,
        errors: tuple[dict[str, str], ...] = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.detail = detail
        self.field = field
        self.errors = errors


class ServiceConnectionError(DriftscopeError, ConnectionError):
    """The driftscope service could not be reached at the URL given."""


class ServiceTimeoutError(DriftscopeError, TimeoutError):
    """The service did not answer, or a run was not analysed, within the time allowed."""


class IntegrationError(DriftscopeError, ConnectionError):
    """A platform driftscope works with (an MLflow tracking server...) could not be reached or
    refused a request; the message names the platform, its address and what it said."""


def invalid_parameter(owner: str, name: str, expected: str, got: object) -> ParameterError:
    """Build the one message shape for bad parameters; the value got is quoted bounded (a huge
    list is not written out whole).

    >>> str(invalid_parameter("PageHinkley", "threshold", "a float in (0, inf)", -1))
    "The 'threshold' parameter of PageHinkley must be a float in (0, inf). Got -1."
    """
    return ParameterError(
        f"The {name!r} parameter of {owner} must be {expected}. Got {shown(got)}."
    )

"""One error and warning tree for the whole package.

Every error scimlkit raises on purpose derives from :class:`ScimlkitError`; bad input is an
:class:`InputError`, which is also a :class:`ValueError` so that ordinary ``except ValueError``
code keeps working. Warnings derive from :class:`ScimlkitWarning`.
"""

from __future__ import annotations

__all__ = [
    "ScimlkitError",
    "InputError",
    "NotFittedError",  # noqa: F822 - made on first use (module __getattr__)
    "StorageError",
    "OptionalDependencyError",
    "ScimlkitWarning",
    "ConvergenceWarning",
    "SmallSampleWarning",
    "DegenerateDataWarning",
]


class ScimlkitError(Exception):
    """Base class of every error raised on purpose by scimlkit."""


class InputError(ScimlkitError, ValueError):
    """An argument, column, file or option is not what the function accepts.

    The message names the parameter, what it must be, and what it got.
    """


def _not_fitted_error() -> type:
    """The class ``NotFittedError``, made on first use: it derives from scikit-learn's, and
    importing scikit-learn is left to the commands and functions that need it."""
    from sklearn.exceptions import NotFittedError as sklearn_not_fitted

    class NotFittedError(ScimlkitError, sklearn_not_fitted):
        """An estimator was used before ``fit``.

        It is also scikit-learn's ``NotFittedError`` (so an ``AttributeError`` and a ``ValueError``),
        so that code and conformance checks written for either recognise it.
        """

    NotFittedError.__module__, NotFittedError.__qualname__ = __name__, "NotFittedError"
    return NotFittedError


def __getattr__(name: str):
    if name == "NotFittedError":
        cls = globals()["NotFittedError"] = _not_fitted_error()
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class StorageError(ScimlkitError, OSError):
    """A store (SQLite study or monitoring history) is unreadable, foreign or corrupt."""


class OptionalDependencyError(ScimlkitError, ImportError):
    """A feature needs an optional dependency that is not installed."""


class ScimlkitWarning(UserWarning):
    """Base class of scimlkit's warnings."""


class ConvergenceWarning(ScimlkitWarning):
    """A solver stopped before it converged; its answer may be inaccurate."""


class SmallSampleWarning(ScimlkitWarning):
    """The sample is too small for the approximation the method relies on."""


class DegenerateDataWarning(ScimlkitWarning):
    """The data is degenerate (constant, all ties, one class) for the method."""


def require(module: str, extra: str, feature: str):
    """Import an optional dependency, or raise an error saying which extra installs it.

    Parameters
    ----------
    module : str
        Importable module name, e.g. ``"dask.distributed"``.
    extra : str
        The scimlkit extra that provides it, e.g. ``"dask"``.
    feature : str
        What the user asked for, used in the message.
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise OptionalDependencyError(
            f"{feature} needs the optional dependency '{module}': pip install 'scimlkit[{extra}]'"
        ) from exc


def reissue_warning(item, *, registry: bool = False) -> None:
    """Issue a recorded warning (an item of ``warnings.catch_warnings(record=True)``) again,
    from the module that raised it, so that the caller's filters (``module=`` ones included)
    act on it as on the first issue. With ``registry`` it goes through that module's warning
    registry, so that the "default" action shows it once per place."""
    import sys
    import warnings

    module = next((mod for mod in list(sys.modules.values())
                   if getattr(mod, "__file__", None) == item.filename), None)
    if module is None:
        warnings.warn_explicit(item.message, item.category, item.filename, item.lineno, source=item.source)
    elif registry:
        warnings.warn_explicit(item.message, item.category, item.filename, item.lineno, module=module.__name__,
                               registry=module.__dict__.setdefault("__warningregistry__", {}),
                               module_globals=module.__dict__, source=item.source)
    else:
        warnings.warn_explicit(item.message, item.category, item.filename, item.lineno, module=module.__name__,
                               source=item.source)

"""scimlkit: the ML engineer's scientific toolkit.

Subpackages load on first access, so ``import scimlkit`` stays fast::

    import scimlkit
    scimlkit.experiment.compare_proportions(1_000, 10_000, 1_080, 10_000)

The error and warning classes (``scimlkit.InputError``, ``scimlkit.StorageError``, ...) load the
same way.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

MODULES = ("experiment", "tune", "drift", "calibrate", "curves")
ERRORS = ("ScimlkitError", "InputError", "NotFittedError", "StorageError", "OptionalDependencyError",
          "ScimlkitWarning", "ConvergenceWarning", "SmallSampleWarning", "DegenerateDataWarning")

__all__ = ["__version__", *MODULES, *ERRORS]


def __getattr__(name: str):
    if name in MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    if name in ERRORS:
        value = getattr(importlib.import_module(f"{__name__}._errors"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'scimlkit' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(MODULES) | set(ERRORS))

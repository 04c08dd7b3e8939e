"""scimlkit: the ML engineer's scientific toolkit.

Subpackages load on first access, so ``import scimlkit`` stays fast::

    import scimlkit
    scimlkit.experiment.proportion_test(...)
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

MODULES = ("experiment", "tune", "drift", "calibrate", "curves")

__all__ = ["__version__", *MODULES]


def __getattr__(name: str):
    if name in MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'scimlkit' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(MODULES))

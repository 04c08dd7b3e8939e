"""Every Examples section in the package's docstrings runs and prints what it shows."""

import dataclasses
import doctest
import importlib
import pkgutil

import pytest

import scimlkit

MODULES = sorted(m.name for m in pkgutil.walk_packages(scimlkit.__path__, "scimlkit.")
                 if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, monkeypatch):
    monkeypatch.setenv("SCIMLKIT_PROGRESS", "0")
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS,
                             report=False, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed"


def test_every_public_function_and_estimator_has_an_example():
    missing = []
    for sub in ("experiment", "tune", "drift", "calibrate", "curves"):
        module = importlib.import_module(f"scimlkit.{sub}")
        for attr in module.__all__:
            obj = getattr(module, attr)
            # result records are returned, never built by hand: their examples live with the function
            if dataclasses.is_dataclass(obj) or (isinstance(obj, type) and issubclass(obj, tuple)):
                continue
            if callable(obj) and "Examples" not in (obj.__doc__ or ""):
                missing.append(f"{sub}.{attr}")
    assert not missing, f"no Examples section: {missing}"


def test_the_package_docstring_calls_a_function_that_exists():
    block = scimlkit.__doc__.split("::")[1].split("\n\n")[1]
    namespace = {}
    exec(compile(block.replace("\n    ", "\n").strip(), "scimlkit/__init__.py", "exec"), namespace)
    assert "scimlkit" in namespace

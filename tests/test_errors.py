import pytest
from sklearn.exceptions import NotFittedError as SklearnNotFittedError

from scimlkit._errors import (
    ConvergenceWarning,
    InputError,
    NotFittedError,
    OptionalDependencyError,
    ScimlkitError,
    ScimlkitWarning,
    require,
)


def test_error_tree():
    assert issubclass(InputError, ScimlkitError) and issubclass(InputError, ValueError)
    assert issubclass(NotFittedError, SklearnNotFittedError) and issubclass(NotFittedError, AttributeError)
    assert issubclass(ConvergenceWarning, ScimlkitWarning) and issubclass(ScimlkitWarning, UserWarning)


def test_require_names_the_extra():
    with pytest.raises(OptionalDependencyError, match=r"pip install 'scimlkit\[dask\]'"):
        require("no_such_module_for_scimlkit", "dask", "Dask profiling")
    assert require("json", "none", "json").dumps({}) == "{}"


def test_errors_are_public_at_the_top_level():
    import scimlkit
    import scimlkit._errors as errors

    assert set(scimlkit.ERRORS) == set(errors.__all__)
    for name in scimlkit.ERRORS:
        assert getattr(scimlkit, name) is getattr(errors, name) and name in dir(scimlkit)
    with pytest.raises(scimlkit.InputError):
        scimlkit.tune.Float(1.0, 0.0)

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

"""Black-box hyperparameter search: Gaussian-process Bayesian optimisation, differential
evolution, random, Sobol and grid search; persistent, parallel studies; a GridSearchCV drop-in.
"""

# -- search space and optimisers (section CORE) ---------------------------------------------
from ._base import Optimizer as Optimizer
from ._gp import GaussianProcess as GaussianProcess
from ._opt_de import DifferentialEvolution as DifferentialEvolution
from ._opt_gp import GPOptimizer as GPOptimizer
from ._optimizers import AutoOptimizer as AutoOptimizer
from ._optimizers import GridSearch as GridSearch
from ._optimizers import RandomSearch as RandomSearch
from ._optimizers import SobolSearch as SobolSearch
from ._optimizers import choose_method as choose_method
from ._optimizers import make_optimizer as make_optimizer
from ._space import Categorical as Categorical
from ._space import Float as Float
from ._space import Int as Int
from ._space import Space as Space
from ._space import as_space as as_space

_CORE_ALL = ["Float", "Int", "Categorical", "Space", "as_space", "Optimizer", "make_optimizer",
             "choose_method", "AutoOptimizer", "GPOptimizer", "DifferentialEvolution", "RandomSearch",
             "SobolSearch", "GridSearch", "GaussianProcess"]

# -- studies, storage, parallel workers, scikit-learn search (section STUDY) -----------------
from ._report import parameter_relevance as parameter_relevance  # noqa: E402
from ._storage import StudyStorage as StudyStorage  # noqa: E402
from ._study import Study as Study  # noqa: E402
from ._study import StudyResult as StudyResult  # noqa: E402
from ._study import Trial as Trial  # noqa: E402
from ._study import minimize as minimize  # noqa: E402
from ._study import read_study as read_study  # noqa: E402

_STUDY_ALL = ["minimize", "Study", "Trial", "StudyResult", "StudyStorage", "read_study", "SearchCV",
              "parameter_relevance"]


def __getattr__(name: str):  # SearchCV needs scikit-learn: load it on first use only
    if name == "SearchCV":
        from ._search_cv import SearchCV

        globals()["SearchCV"] = SearchCV
        return SearchCV
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__: list[str] = [*_CORE_ALL, *_STUDY_ALL]

"""Black-box hyperparameter search: Gaussian-process Bayesian optimisation, differential
evolution, random, Sobol and grid search over float, integer and categorical parameters, which
may be conditional (``when=``: a parameter that exists only for some values of another);
persistent, parallel studies; pruning of unpromising trials from the losses they report step by
step; early stopping of a study (:class:`StopWhenStalled`, :class:`StopAtLoss` or any callback);
warm starts from evaluations made elsewhere, such as a grid search already run
(:meth:`Study.add_trials`, ``minimize(known=...)``, ``SearchCV(known=grid.cv_results_)``) and
points to try first (``minimize(initial=...)``); a GridSearchCV drop-in (:class:`SearchCV`, which
also takes a list of grids, choices of any object and ``scipy.stats`` distributions, as
scikit-learn's searches do); an HTML report of a study (:func:`write_report`).

Examples
--------
>>> from scimlkit.tune import Float, Int, minimize
>>> result = minimize(lambda p: (p["x"] - 0.3) ** 2 + 0.01 * p["n"],
...                   {"x": Float(1e-3, 1.0, log=True), "n": Int(1, 8)}, n_trials=20, rng=0)
>>> result.best_params["n"], round(result.best_params["x"], 1)
(1, 0.3)
"""

from ._base import Optimizer
from ._gp import GaussianProcess
from ._opt_de import DifferentialEvolution
from ._opt_gp import GPOptimizer
from ._optimizers import (
    AutoOptimizer,
    GridSearch,
    RandomSearch,
    SobolSearch,
    choose_method,
    make_optimizer,
)
from ._pruning import (
    MedianPruner,
    PercentilePruner,
    Pruner,
    PruningHistory,
    SuccessiveHalvingPruner,
    TrialPruned,
    report_step,
)
from ._report import parameter_relevance, write_report
from ._space import Categorical, Float, Int, Space, as_space
from ._stopping import StopAtLoss, StopWhenStalled, StudyProgress
from ._storage import StudyStorage
from ._study import Study, StudyResult, Trial, minimize, read_study

__all__ = [
    "Float", "Int", "Categorical", "Space", "as_space",
    "Optimizer", "make_optimizer", "choose_method", "AutoOptimizer", "GPOptimizer",
    "DifferentialEvolution", "RandomSearch", "SobolSearch", "GridSearch", "GaussianProcess",
    "minimize", "Study", "Trial", "StudyResult", "StudyStorage", "read_study", "SearchCV",
    "parameter_relevance", "write_report", "report_step", "TrialPruned", "Pruner", "MedianPruner", "PercentilePruner",
    "SuccessiveHalvingPruner", "PruningHistory", "StudyProgress", "StopWhenStalled", "StopAtLoss",
]


def __getattr__(name: str):  # SearchCV needs scikit-learn's model selection: load it on first use
    if name == "SearchCV":
        from ._search_cv import SearchCV

        globals()["SearchCV"] = SearchCV
        return SearchCV
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

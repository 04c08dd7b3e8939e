"""Swap GridSearchCV for SearchCV on a pipeline whose classifier is itself a choice.

The usual scikit-learn way to search over several models is a list of grids, one per model, with
the estimator object as the value of the pipeline step. ``SearchCV`` takes the same list (and the
``scipy.stats`` distributions ``RandomizedSearchCV`` takes) and searches it with an optimiser,
which learns from every fit which model and which settings to try next.

Run: python examples/tune_pipeline_grids.py
"""

import time
import warnings

import numpy as np
from scipy.stats import loguniform, randint
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from scimlkit.tune import SearchCV

X, y = load_breast_cancer(return_X_y=True)
pipe = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
cv = StratifiedKFold(5, shuffle=True, random_state=0)

grids = [
    {"clf": [LogisticRegression(max_iter=2000)], "clf__C": np.geomspace(1e-3, 1e3, 7)},
    {"clf": [SVC()], "clf__C": np.geomspace(1e-2, 1e3, 6), "clf__gamma": np.geomspace(1e-4, 1e0, 5)},
    {"clf": [KNeighborsClassifier()], "clf__n_neighbors": [1, 3, 5, 10, 20, 40]},
]
t0 = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    grid = GridSearchCV(pipe, grids, cv=cv, scoring="roc_auc").fit(X, y)
n_grid = len(grid.cv_results_["params"])
print(f"GridSearchCV, {n_grid} candidates: best AUC {grid.best_score_:.5f} with "
      f"{type(grid.best_params_['clf']).__name__} ({time.perf_counter() - t0:.1f} s)")

# the same models, with ranges instead of lists of values
ranges = [
    {"clf": [LogisticRegression(max_iter=2000)], "clf__C": loguniform(1e-3, 1e3)},
    {"clf": [SVC()], "clf__C": loguniform(1e-2, 1e3), "clf__gamma": loguniform(1e-4, 1e0)},
    {"clf": [KNeighborsClassifier()], "clf__n_neighbors": randint(1, 41)},
]
t0 = time.perf_counter()
search = SearchCV(pipe, ranges, n_trials=20, cv=cv, scoring="roc_auc", rng=0).fit(X, y)
best = search.best_params_
print(f"SearchCV, 20 candidates: best AUC {search.best_score_:.5f} with {type(best['clf']).__name__} "
      f"({time.perf_counter() - t0:.1f} s)")
print("    best settings:", {k: round(v, 4) for k, v in best.items() if k != "clf"})
# the study names the model by its grid (_space) and stores the estimator by its label
tried = search.study_result_.trials["param__space"].value_counts().sort_index()
print("    candidates per grid (0 logistic regression, 1 SVM, 2 k-nearest neighbours):", tried.tolist())

"""Start a search from a grid search already run: its results are where the optimiser begins.

An engineer has run ``GridSearchCV`` over 5 values of C x 5 of gamma for an RBF SVM. Instead of
refining the grid by hand, ``SearchCV(known=grid.cv_results_)`` hands those 25 results to the
optimiser (they are not evaluated again and do not count toward ``n_trials``) and spends a few
more fits where the grid says the optimum lies. A search without them, with the same number of
fits, is shown for comparison.
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from scimlkit.tune import Float, SearchCV

X, y = load_breast_cancer(return_X_y=True)
model = make_pipeline(StandardScaler(), SVC())
cv = StratifiedKFold(5, shuffle=True, random_state=0)

t0 = time.perf_counter()
grid = GridSearchCV(model, {"svc__C": np.geomspace(0.1, 1000, 5), "svc__gamma": np.geomspace(1e-4, 1, 5)},
                    cv=cv, scoring="roc_auc").fit(X, y)
print(f"grid search, 25 fits: best AUC {grid.best_score_:.5f} at C={grid.best_params_['svc__C']:.3g}, "
      f"gamma={grid.best_params_['svc__gamma']:.3g} ({time.perf_counter() - t0:.1f} s)")

space = {"svc__C": Float(0.1, 1000, log=True), "svc__gamma": Float(1e-4, 1, log=True)}
for label, known in (("from the grid", grid.cv_results_), ("from scratch", None)):
    t0 = time.perf_counter()
    search = SearchCV(model, space, method="gp", n_trials=10, cv=cv, scoring="roc_auc", rng=0,
                      known=known).fit(X, y)
    study = search.study_result_
    print(f"10 more fits {label}: best AUC {search.best_score_:.5f} at "
          f"C={search.best_params_['svc__C']:.3g}, gamma={search.best_params_['svc__gamma']:.3g} "
          f"({study.n_added} results given, {time.perf_counter() - t0:.1f} s)")
    # best_score_ is the best of this search's own fits; the study knows the grid's results too
    print(f"    best of everything the study knows: AUC {-study.best_value:.5f}")

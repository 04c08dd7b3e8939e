"""Tune a gradient-boosting model: a persistent, parallel study, then the GridSearchCV drop-in.

Run it twice: the second run resumes the study stored in ``tune_example.db`` instead of
starting over (and would re-run first any trial left unfinished by a crash).
"""

from __future__ import annotations

from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split

from scimlkit.tune import Float, Int, SearchCV, minimize, write_report

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
cv = StratifiedKFold(3, shuffle=True, random_state=0)

space = {
    "learning_rate": Float(0.01, 1.0, log=True),
    "max_iter": Int(15, 150, log=True),
    "max_leaf_nodes": Int(4, 64, log=True),
}


def cv_log_loss(params):
    """The loss to minimise: 3-fold cross-validated log-loss of the model with ``params``."""
    model = HistGradientBoostingClassifier(random_state=0, **params)
    return -cross_val_score(model, X_train, y_train, cv=cv, scoring="neg_log_loss").mean()


if __name__ == "__main__":  # worker processes import this file: keep the work under this guard
    # 1. A study kept in SQLite, two trials at a time in worker processes.
    result = minimize(cv_log_loss, space, n_trials=12, n_workers=2, storage="tune_example.db",
                      study="hgb", rng=0)
    print(result.message)
    print(result.to_frame()[["number", "state", "value", "param_learning_rate", "param_max_iter"]].tail())
    print("report:", write_report(result, "tune_example_report.html"))  # convergence, relevance, slices

    # 2. The same search as a GridSearchCV drop-in: cv_results_, best_estimator_, predict, score.
    search = SearchCV(HistGradientBoostingClassifier(random_state=0), space, n_trials=10, cv=cv,
                      scoring="neg_log_loss", rng=0).fit(X_train, y_train)
    print("best params:", search.best_params_)
    accuracy = (search.predict(X_test) == y_test).mean()
    print(f"best CV log-loss {-search.best_score_:.4f}; held-out accuracy {accuracy:.3f}")

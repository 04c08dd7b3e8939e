"""Pick the classifier and its settings in one search: a conditional space with ``when=``.

Each model has its own parameters: ``C`` applies to logistic regression and the SVM, ``gamma``
only to the SVM, ``k`` and ``weights`` only to k-nearest neighbours. The space says so with
``when={"model": ...}``; each trial's point holds only the parameters of its model, so the
objective reads exactly what applies and the optimiser never wastes trials on settings that
change nothing.

Run: python examples/tune_model_choice.py
"""

import warnings

from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from scimlkit.tune import Categorical, Float, Int, minimize

X, y = load_breast_cancer(return_X_y=True)
folds = StratifiedKFold(5, shuffle=True, random_state=0)

space = {
    "model": Categorical(["logreg", "svm", "knn"]),
    "C": Float(1e-4, 1e3, log=True, when={"model": ["logreg", "svm"]}),
    "gamma": Float(1e-5, 1.0, log=True, when={"model": "svm"}),
    "k": Int(1, 60, log=True, when={"model": "knn"}),
    "weights": Categorical(["uniform", "distance"], when={"model": "knn"}),
}


def objective(p):
    if p["model"] == "logreg":
        model = LogisticRegression(C=p["C"], max_iter=2000)
    elif p["model"] == "svm":
        model = SVC(C=p["C"], gamma=p["gamma"])
    else:
        model = KNeighborsClassifier(n_neighbors=p["k"], weights=p["weights"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        auc = cross_val_score(make_pipeline(StandardScaler(), model), X, y, cv=folds, scoring="roc_auc")
    return 1.0 - auc.mean()


res = minimize(objective, space, n_trials=30, rng=0)
print(f"best 1 - AUC {res.best_value:.4f} with {res.best_params}")
by_model = res.trials.groupby("param_model")["value"].agg(["count", "min"])
print("trials and best loss per model:")
print(by_model.to_string())
print("gamma is set only for the SVM trials:",
      res.trials.loc[res.trials["param_model"] != "svm", "param_gamma"].isna().all())

"""Tune an SGD classifier epoch by epoch and stop unpromising trials early (median pruning).

Each trial trains for 30 epochs and reports its validation log loss after every epoch with
``report_step``; with ``pruner="median"`` a trial whose loss is worse than the median of the
complete trials at the same epoch is stopped there.

Run: python examples/tune_pruning.py
"""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split

from scimlkit.tune import Float, minimize, report_step

X, y = load_digits(return_X_y=True)
X_train, X_valid, y_train, y_valid = train_test_split(X / 16.0, y, test_size=0.3, random_state=0, stratify=y)
classes = np.unique(y)
EPOCHS = 30


def objective(params):
    model = SGDClassifier(loss="log_loss", alpha=params["alpha"], eta0=params["eta0"],
                          learning_rate="constant", random_state=0)
    for epoch in range(EPOCHS):
        model.partial_fit(X_train, y_train, classes=classes)
        loss = log_loss(y_valid, np.clip(model.predict_proba(X_valid), 1e-12, 1.0), labels=classes)
        report_step(loss, epoch)  # raises TrialPruned when the pruner says stop
    return loss


space = {"alpha": Float(1e-6, 1e-1, log=True), "eta0": Float(1e-4, 1.0, log=True)}
for pruner in (None, "median"):
    res = minimize(objective, space, n_trials=30, rng=0, pruner=pruner)
    epochs = len(res.intermediate)
    print(f"pruner={pruner!s:6}: best log loss {res.best_value:.4f}, {res.n_pruned:2d} trials pruned, "
          f"{epochs} of {30 * EPOCHS} epochs trained")

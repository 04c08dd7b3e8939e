"""Calibrate a classifier's probabilities, check them, and pick the exact F1-optimal threshold.

Run: python examples/calibrate_threshold.py
"""

from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import GaussianNB

from scimlkit.calibrate import (
    CalibratedClassifier,
    ThresholdClassifier,
    best_threshold,
    brier_decomposition,
    calibration_error,
)

X, y = load_breast_cancer(return_X_y=True)
X_fit, X_test, y_fit, y_test = train_test_split(X, y, test_size=0.4, stratify=y, random_state=0)

# 1. calibrate: out-of-fold scores, method chosen by cross-validated log-loss (ties within one
#    standard error go to the candidate with the smallest cross-validated ECE)
raw = GaussianNB().fit(X_fit, y_fit).predict_proba(X_test)[:, 1]
clf = CalibratedClassifier(GaussianNB(), method="auto", cv=5, random_state=0).fit(X_fit, y_fit)
calibrated = clf.predict_proba(X_test)[:, 1]
print(f"auto picked '{clf.method_}'")
print(clf.method_scores_.round(4).to_string(index=False))
for name, p in (("raw", raw), ("calibrated", calibrated)):
    ce = calibration_error(y_test, p, n_bins=10)
    d = brier_decomposition(y_test, p)
    print(f"{name:>10}: ECE {ce.ece:.4f}  MCE {ce.mce:.4f}  Brier {d.brier:.4f} "
          f"(reliability {d.reliability:.4f}, resolution {d.resolution:.4f}, uncertainty {d.uncertainty:.4f})")

# 2. the exact F1-optimal threshold on held-out calibrated probabilities
res = best_threshold(y_test, calibrated, "f1")
print(f"F1-optimal threshold {res.threshold:.4f}: F1 {res.value:.4f} "
      f"(tp {res.tp}, fp {res.fp}, fn {res.fn}) out of {res.n_candidates} candidate cuts")

# 3. or learn the threshold inside a classifier, on out-of-fold scores
thr = ThresholdClassifier(CalibratedClassifier(GaussianNB(), random_state=0), objective="recall_at_precision",
                          objective_params={"min_precision": 0.97}, random_state=0).fit(X_fit, y_fit)
print(f"threshold for precision >= 0.97: {thr.threshold_:.4f} (out-of-fold recall {thr.best_score_:.4f})")

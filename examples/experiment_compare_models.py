"""Is the new model really better? Compare two classifiers on the same held-out examples.

Run: python examples/experiment_compare_models.py
"""

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from scimlkit.experiment import corrected_ttest, delong_test, mcnemar_test, paired_bootstrap_test

X, y = load_breast_cancer(return_X_y=True)
model_a = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))   # incumbent
model_b = GradientBoostingClassifier(n_estimators=100, max_depth=2, random_state=0)  # candidate

X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.5, stratify=y, random_state=0)
score_a = model_a.fit(X_tr, y_tr).predict_proba(X_te)[:, 1]
score_b = model_b.fit(X_tr, y_tr).predict_proba(X_te)[:, 1]

# AUROC: DeLong's test for two correlated ROC curves.
res = delong_test(y_te, score_a, score_b)
lo, hi = res.confidence_interval(0.95)
print(f"AUROC A {res.auc_a:.4f}  B {res.auc_b:.4f}  B-A {res.difference:+.4f} [{lo:+.4f}, {hi:+.4f}]  p={res.pvalue:.3g}")

# Accuracy at threshold 0.5: McNemar's test on the examples only one model gets right.
pred_a, pred_b = (score_a >= 0.5).astype(int), (score_b >= 0.5).astype(int)
mc = mcnemar_test(y_te, pred_a, pred_b)
print(f"accuracy A {mc.accuracy_a:.3f}  B {mc.accuracy_b:.3f}  only A right {mc.only_a_correct}, "
      f"only B right {mc.only_b_correct}  p={mc.pvalue:.3g} ({mc.method})")

# Any metric: a paired bootstrap (here F1), seeded.
boot = paired_bootstrap_test(y_te, pred_a, pred_b, f1_score, n_resamples=500, rng=0)
print(f"F1 B-A {boot.difference:+.4f}  95% CI {tuple(round(v, 4) for v in boot.confidence_interval())}  p={boot.pvalue:.3g}")

# Cross-validation: the corrected resampled t-test (Nadeau-Bengio) on fold scores.
cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
auc_a = cross_val_score(model_a, X, y, cv=cv, scoring="roc_auc")
auc_b = cross_val_score(model_b, X, y, cv=cv, scoring="roc_auc")
n_test = len(y) // 5
nb = corrected_ttest(auc_a, auc_b, n_train=len(y) - n_test, n_test=n_test)
print(f"CV AUROC B-A {nb.mean_difference:+.4f}  corrected t={nb.statistic:.2f}  p={nb.pvalue:.3g}  "
      f"95% CI {tuple(round(v, 4) for v in nb.confidence_interval())}")
print("mean AUROC per model:", np.round([auc_a.mean(), auc_b.mean()], 4))

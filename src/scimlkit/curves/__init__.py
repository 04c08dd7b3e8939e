"""Learning curves: measure, fit parametric families, extrapolate, size the next dataset.

"How much more data do we need to reach 95% accuracy, and what will 100K samples give us?"

* :func:`learning_curve` measures cross-validated scores at geometric training-set sizes
  (scikit-learn does the fitting).
* :func:`fit_curve` fits the parametric families of the learning-curve literature
  (:data:`FAMILY_FORMULAS`: ``pow2, pow3, pow4, log2, ilog2, exp3, exp4, mmf4, wbl4,
  janoschek`` and the ``last``-value baseline) with bounded, multi-start least squares
  (weighted by the anchors' standard errors when the folds are given), scores how well each
  extrapolates from early anchors to later ones, forecasts with the families weighted by
  those errors (or the single best), and bootstraps the forecast.
* The :class:`CurveFitResult` forecasts with intervals: ``predict(n)`` and
  ``samples_needed(target)``, which says plainly when a target lies beyond the fitted
  asymptote.
* :func:`write_report` writes the HTML report of a fit: the anchors, the forecast with its
  bootstrap band and simple rivals, the forecast at a size, the samples needed for a target,
  the measurements kept back from the fit (given the measured curve) and the family ranking.
* ``scimlkit curves fit FILE --size COL --score COL`` does the same from a table on the
  command line. Repeated sizes are cross-validation folds: ``--fold COL`` pairs the rows
  across sizes by their fold (split) id; without it the k-th row of each size is taken as
  fold k, so the rows must come in the same fold order within every size (a note on stderr
  says so). ``--at`` takes several sizes (repeated or comma-separated); ``--target`` one score.

Examples
--------
>>> import numpy as np
>>> from scimlkit.curves import fit_curve
>>> n = np.array([100, 200, 400, 800, 1600, 3200])
>>> acc = 0.93 - 1.2 * n ** -0.5
>>> fit = fit_curve(n, acc, families=["pow3", "pow2", "last"], n_bootstrap=0)
>>> fit.family, round(fit.asymptote, 3)
('pow3', 0.93)
>>> fit.samples_needed(0.95).reachable
False
"""

from ._families import FAMILY_FORMULAS
from ._fit import CurveFitResult, CurvePrediction, SamplesNeededResult, fit_curve
from ._measure import LearningCurveResult, geometric_sizes, learning_curve
from ._report import write_report

__all__ = [
    "learning_curve",
    "geometric_sizes",
    "fit_curve",
    "FAMILY_FORMULAS",
    "write_report",
    "LearningCurveResult",
    "CurveFitResult",
    "CurvePrediction",
    "SamplesNeededResult",
]

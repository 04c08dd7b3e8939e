"""Probability calibration, calibration metrics, and exact decision thresholds.

- Calibrators (scikit-learn style, fitted on held-out scores): :class:`PlattCalibrator`,
  :class:`IsotonicCalibrator`, :class:`TemperatureScaling`, :class:`BetaCalibrator`,
  :class:`HistogramBinning`, and :class:`ScoreCalibrator` (a named method or ``"auto"``,
  chosen by cross-validated log-loss).
- Meta-estimators: :class:`CalibratedClassifier` (out-of-fold calibration, ``method="auto"``)
  and :class:`ThresholdClassifier` (a learned, exact decision threshold).
- Metrics: :func:`calibration_error` (ECE and MCE, equal-width or equal-mass bins, top-label
  or class-wise), :func:`brier_score`, :func:`brier_decomposition`, :func:`log_loss`,
  :func:`reliability_diagram` (with bootstrap and Jeffreys bands).
- Thresholds: :func:`best_threshold` (the global optimum over every distinct score of F1,
  F-beta, Youden's J, balanced accuracy, accuracy, MCC, cost, profit, precision at a recall
  floor, recall at a precision floor).
- Report: :func:`write_report` writes the HTML report of your own scores and labels
  (reliability before and after calibration, metrics, candidate methods, threshold curve);
  ``scimlkit calibrate fit|threshold --report OUT`` writes it from the command line.
"""

from ._auto import METHODS, ScoreCalibrator, make_calibrator
from ._beta import BetaCalibrator
from ._binning import HistogramBinning
from ._classifier import CalibratedClassifier, ThresholdClassifier
from ._isotonic import IsotonicCalibrator
from ._metrics import (
    BrierDecomposition,
    CalibrationErrorResult,
    ReliabilityResult,
    brier_decomposition,
    brier_score,
    calibration_error,
    expected_calibration_error,
    log_loss,
    maximum_calibration_error,
    reliability_diagram,
)
from ._platt import PlattCalibrator
from ._report import write_report
from ._temperature import TemperatureScaling
from ._threshold import OBJECTIVES, ThresholdResult, best_threshold, confusion_at

__all__ = [
    "PlattCalibrator",
    "IsotonicCalibrator",
    "TemperatureScaling",
    "BetaCalibrator",
    "HistogramBinning",
    "ScoreCalibrator",
    "METHODS",
    "make_calibrator",
    "CalibratedClassifier",
    "ThresholdClassifier",
    "calibration_error",
    "expected_calibration_error",
    "maximum_calibration_error",
    "CalibrationErrorResult",
    "brier_score",
    "brier_decomposition",
    "BrierDecomposition",
    "log_loss",
    "reliability_diagram",
    "ReliabilityResult",
    "best_threshold",
    "confusion_at",
    "ThresholdResult",
    "OBJECTIVES",
    "write_report",
]

"""Histogram binning: a calibrated probability per score bin."""

from __future__ import annotations

import numpy as np

from .._validation import check_int as _check_int
from .._validation import check_option, check_scalar
from ._base import BaseCalibrator

__all__ = ["HistogramBinning"]


class HistogramBinning(BaseCalibrator):
    """Histogram binning (Zadrozny and Elkan, 2001).

    The training scores are cut into ``n_bins`` bins, equal-width over their range
    (``strategy="uniform"``; the range of the rows with positive weight) or holding about equally many samples (``"quantile"``; tied
    scores stay in one bin, so there may be fewer bins). Each bin predicts its positive rate,
    shrunk towards the overall rate by ``pseudo_count`` samples:
    ``(positives + pseudo_count * rate) / (count + pseudo_count)``; empty bins predict the
    overall rate. Scores outside the training range fall in the first or last bin.

    Parameters
    ----------
    n_bins : int, default=10
    strategy : {"uniform", "quantile"}, default="quantile"
    pseudo_count : float, default=1.0
        Shrinkage towards the overall rate (0 gives the raw bin frequencies).

    Attributes
    ----------
    bin_edges_ : ndarray
        Inner bin edges (bins are ``(e[j-1], e[j]]``).
    bin_values_ : ndarray
        The probability predicted in each bin.

    Examples
    --------
    >>> import numpy as np
    >>> from scimlkit.calibrate import HistogramBinning
    >>> s = np.linspace(0, 1, 100)
    >>> y = (s > 0.5).astype(int)
    >>> hb = HistogramBinning(n_bins=2, strategy="uniform", pseudo_count=0).fit(s, y)
    >>> hb.transform([0.1, 0.9]).tolist()
    [0.0, 1.0]
    """

    _input_kind = "probability"

    def __init__(self, *, n_bins: int = 10, strategy: str = "quantile", pseudo_count: float = 1.0):
        self.n_bins = n_bins
        self.strategy = strategy
        self.pseudo_count = pseudo_count

    def _fit(self, s, y, w):
        n_bins = _check_int(self.n_bins, "n_bins", low=1)
        strategy = check_option(self.strategy, "strategy", ("uniform", "quantile"))
        m = check_scalar(self.pseudo_count, "pseudo_count", low=0.0)
        w = np.ones(y.shape[0]) if w is None else w
        if strategy == "uniform":
            # the range of the rows that count: a weight of 0 is the row left out
            kept = s[w > 0]
            edges = np.linspace(float(kept.min()), float(kept.max()), n_bins + 1)[1:-1]
        else:  # weighted quantiles at data points: a weight of k is the row repeated k times
            edges = np.unique(np.quantile(s, np.linspace(0, 1, n_bins + 1)[1:-1], weights=w,
                                          method="inverted_cdf"))
        idx = np.searchsorted(edges, s, side="left")
        count = np.bincount(idx, weights=w, minlength=edges.size + 1)
        pos = np.bincount(idx, weights=w * y, minlength=edges.size + 1)
        rate = float(np.dot(w, y) / w.sum())
        with np.errstate(invalid="ignore", divide="ignore"):
            values = np.where(count + m > 0, (pos + m * rate) / (count + m), rate)
        self.bin_edges_ = edges
        self.bin_values_ = values

    def _transform(self, s):
        return self.bin_values_[np.searchsorted(self.bin_edges_, s, side="left")]

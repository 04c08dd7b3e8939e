"""Exact decision thresholds: the global optimum of a confusion-matrix metric over every
distinct score, by one sort and cumulative counts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._errors import InputError
from .._results import Result
from .._validation import check_int, check_option, check_scalar
from ._base import check_labels, check_scores, check_weights

__all__ = ["ThresholdResult", "best_threshold", "OBJECTIVES", "confusion_at"]

#: Objective name -> (parameters it takes, maximised?)
OBJECTIVES: dict[str, tuple[tuple[str, ...], bool]] = {
    "f1": ((), True),
    "fbeta": (("beta",), True),
    "youden": ((), True),
    "balanced_accuracy": ((), True),
    "accuracy": ((), True),
    "mcc": ((), True),
    "cost": (("cost_fp", "cost_fn", "cost_tp", "cost_tn"), False),
    "profit": (("gain_tp", "gain_tn", "cost_fp", "cost_fn"), True),
    "precision_at_recall": (("min_recall",), True),
    "recall_at_precision": (("min_precision",), True),
}

_DEFAULTS = {"beta": 1.0, "cost_fp": 1.0, "cost_fn": 1.0, "cost_tp": 0.0, "cost_tn": 0.0,
             "gain_tp": 1.0, "gain_tn": 0.0}

@dataclass(frozen=True, slots=True)
class ThresholdResult(Result):
    """The optimal threshold, its metric value and confusion counts, and the whole curve.

    The rule is ``score >= threshold`` predicts class 1. ``thresholds`` holds, in increasing
    order, every distinct score ``d`` (the cut "predict 1 when ``score >= d``") and then
    ``+inf`` (nothing predicted positive); ``values`` holds the metric at each cut (NaN where a
    constrained objective's floor is not met). ``cut_index`` points at the optimal cut in
    these arrays; ``threshold`` is the returned threshold (see ``placement``). With sample
    weights, ``tp, fp, tn, fn`` are sums of weights (floats) and rows of zero weight are left
    out.
    """

    objective: str
    params: dict
    threshold: float
    value: float
    maximize: bool
    tp: int | float
    fp: int | float
    tn: int | float
    fn: int | float
    n_candidates: int
    cut_index: int
    placement: str
    thresholds: np.ndarray
    values: np.ndarray

    @property
    def precision(self) -> float:
        """Precision at the optimum (0 when nothing is predicted positive)."""
        d = self.tp + self.fp
        return self.tp / d if d else 0.0

    @property
    def recall(self) -> float:
        """Recall (true-positive rate) at the optimum."""
        return self.tp / (self.tp + self.fn)

    def predict(self, scores) -> np.ndarray:
        """0/1 predictions ``scores >= threshold``."""
        s = check_scores(scores, "scores")
        return (s >= self.threshold).astype(int)

    def summary(self) -> dict:
        """The scalar facts as a dictionary (no curve)."""
        return {"objective": self.objective, **self.params, "threshold": self.threshold,
                "value": self.value, "tp": self.tp, "fp": self.fp, "tn": self.tn, "fn": self.fn,
                "precision": self.precision, "recall": self.recall,
                "n_candidates": self.n_candidates}

    def to_dict(self) -> dict:
        """JSON-ready summary; the curve is included only up to 10,000 cuts."""
        from .._results import jsonable

        out = jsonable(self.summary())
        out["placement"] = self.placement
        out["maximize"] = self.maximize
        if self.thresholds.size <= 10_000:
            out["curve"] = {"thresholds": jsonable(self.thresholds), "values": jsonable(self.values)}
        return out

    def to_frame(self, max_points: int | None = None):
        """The metric-against-threshold curve; evenly thinned to ``max_points`` rows if given
        (the optimum is always kept)."""
        import pandas as pd

        idx = np.arange(self.thresholds.size)
        max_points = check_int(max_points, "max_points", low=2, allow_none=True)
        if max_points is not None and idx.size > max_points:
            idx = np.unique(np.r_[np.linspace(0, idx.size - 1, max_points).astype(int), self.cut_index])
        return pd.DataFrame({"threshold": self.thresholds[idx], "value": self.values[idx]})


def _cut_counts(y: np.ndarray, s: np.ndarray):
    """The cuts in increasing order of threshold and the confusion counts at each.

    Returns ``(thresholds, tp, fp)`` of length ``m + 1`` for ``m`` distinct scores: entry ``j < m``
    is the cut "predict 1 when ``score >= d_j``" (``d_j`` the ``j``-th smallest distinct
    score) with ``tp = #pos >= d_j`` and ``fp = #neg >= d_j``; the last entry is the cut that
    predicts nothing positive (threshold ``+inf``, ``tp = fp = 0``).

    Positives and negatives are sorted separately and merged by a stable sort of the two
    sorted runs (a linear merge, much faster than an argsort of all the scores). In the merged
    order, an element that is the ``j``-th positive has exactly ``j`` positives before it, and
    one that is the ``k``-th negative at position ``i`` has ``i - k``; read at the first
    element of each group of tied scores, this gives the number of positives strictly below
    that score without a cumulative sum.
    """
    is_pos = y.astype(bool)
    pos = s[is_pos]
    pos.sort()
    np.logical_not(is_pos, out=is_pos)
    neg = s[is_pos]
    neg.sort()
    del is_pos
    n_pos, n_neg = pos.size, neg.size
    merged = np.concatenate((pos, neg))
    del pos, neg
    order = np.argsort(merged, kind="stable")
    ordered = merged[order]
    del merged
    new_value = np.empty(ordered.size, dtype=bool)
    new_value[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new_value[1:])
    if new_value.all():  # no ties: every position starts a group
        starts, first, distinct = np.arange(ordered.size), order, ordered
    else:
        starts = np.flatnonzero(new_value)
        first, distinct = order[starts], ordered[starts]
    del new_value
    m = starts.size
    thresholds = np.empty(m + 1)
    thresholds[:m] = distinct
    thresholds[m] = np.inf
    # positives strictly below each distinct score
    pos_below = np.where(first < n_pos, first, starts + n_pos - first)
    # counts are kept as float64 (exact up to 2**53) so the metrics need no conversion
    tp = np.empty(m + 1)
    np.subtract(n_pos, pos_below, out=tp[:m])
    tp[m] = 0
    fp = np.empty(m + 1)
    np.subtract(starts, pos_below, out=pos_below)  # now: negatives strictly below
    np.subtract(n_neg, pos_below, out=fp[:m])
    fp[m] = 0
    return thresholds, tp, fp


def _cut_weights(y: np.ndarray, s: np.ndarray, w: np.ndarray):
    """:func:`_cut_counts` with sums of positive weights: ``(thresholds, tp, fp, P, N)``, where
    ``tp`` and ``fp`` are the weights of the positives and negatives scoring at least each
    distinct score and ``P``, ``N`` their totals (integer weights give the counts of the rows
    repeated that often). The totals come from the same running sums as the cuts, so the lowest
    cut holds exactly ``P`` and ``N`` and no false negative is left at it."""
    order = np.argsort(s)  # the order within a run of equal scores does not matter
    ordered = s[order]
    w_sorted = w[order]
    w_pos = np.where(y[order] == 1, w_sorted, 0.0)
    cum_pos = np.cumsum(w_pos)
    cum_neg = np.cumsum(w_sorted - w_pos)
    new_value = np.empty(ordered.size, dtype=bool)
    new_value[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new_value[1:])
    starts = np.flatnonzero(new_value)
    m = starts.size
    thresholds = np.append(ordered[starts], np.inf)
    P, N = float(cum_pos[-1]), float(cum_neg[-1])
    tp = np.zeros(m + 1)
    fp = np.zeros(m + 1)
    # weight at or above each distinct score: the total minus what lies below it
    below = starts[1:] - 1
    tp[0], fp[0] = P, N
    np.subtract(P, cum_pos[below], out=tp[1:m])
    np.subtract(N, cum_neg[below], out=fp[1:m])
    return thresholds, tp, fp, P, N


def _metric(objective: str, tp, fp, P: float, N: float, params: dict):
    """The objective at every cut, from the counts (or weights) ``tp``, ``fp``
    (``fn = P - tp``, ``tn = N - fp``), written with as few temporary arrays as possible."""
    n = P + N
    tp = tp.astype(float, copy=False)
    fp = fp.astype(float, copy=False)
    with np.errstate(invalid="ignore", divide="ignore"):
        if objective in ("f1", "fbeta"):
            b2 = params.get("beta", 1.0) ** 2
            # (1 + b2) TP / ((1 + b2) TP + b2 FN + FP) = (1 + b2) TP / (TP + FP + b2 P)
            out = tp + fp
            out += b2 * P
            np.divide(tp, out, out=out)
            out *= 1.0 + b2
            return out
        if objective == "youden":
            out = tp / P
            out -= fp / N
            return out
        if objective == "balanced_accuracy":
            out = tp / P
            out -= fp / N
            out += 1.0
            out *= 0.5
            return out
        if objective == "accuracy":
            out = tp - fp
            out += N
            out /= n
            return out
        if objective == "mcc":
            fn = P - tp
            tn = N - fp
            denom = (tp + fp) * (tn + fn) * float(P) * float(N)
            np.sqrt(denom, out=denom)
            out = (tp * tn - fp * fn) / denom
            return np.where(denom > 0, out, 0.0)
        if objective in ("cost", "profit"):
            if objective == "cost":
                c_tp, c_fp = params["cost_tp"], params["cost_fp"]
                c_fn, c_tn = params["cost_fn"], params["cost_tn"]
            else:  # profit = - cost with the gains as negative costs
                c_tp, c_fp = -params["gain_tp"], params["cost_fp"]
                c_fn, c_tn = params["cost_fn"], -params["gain_tn"]
            out = tp * (c_tp - c_fn)
            out += fp * (c_fp - c_tn)
            out += c_fn * P + c_tn * N
            out /= n
            return out if objective == "cost" else np.negative(out, out=out)
        precision = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        recall = tp / P
        if objective == "precision_at_recall":
            return np.where(recall >= params["min_recall"], precision, np.nan)
        if objective == "recall_at_precision":
            return np.where((precision >= params["min_precision"]) & (tp > 0), recall, np.nan)
    raise AssertionError(objective)  # pragma: no cover


def _check_params(objective: str, given: dict) -> dict:
    wanted, _ = OBJECTIVES[objective]
    extra = sorted(k for k, v in given.items() if v is not None and k not in wanted)
    if extra:
        takes = ", ".join(f"`{w}`" for w in wanted) or "no parameters"
        raise InputError(f"objective '{objective}' takes {takes}; got also `{extra[0]}`")
    params = {}
    for name in wanted:
        value = given.get(name)
        if name == "beta":
            # beta**2 must stay finite: beyond 1e100 F-beta is recall to machine precision anyway
            params[name] = check_scalar(1.0 if value is None else value, "beta", low=0.0, high=1e100,
                                        closed="right")
        elif name in ("min_recall", "min_precision"):
            if value is None:
                raise InputError(f"objective '{objective}' needs `{name}` (a floor in (0, 1])")
            params[name] = check_scalar(value, name, low=0.0, high=1.0, closed="right")
        else:
            # costs and gains are multiplied by counts: keep the products finite
            params[name] = check_scalar(_DEFAULTS[name] if value is None else value, name,
                                        low=-1e100, high=1e100)
    return params

def best_threshold(y_true, y_score, objective: str = "f1", *, placement: str = "midpoint",
                   beta: float | None = None, min_recall: float | None = None,
                   min_precision: float | None = None, cost_fp: float | None = None,
                   cost_fn: float | None = None, cost_tp: float | None = None,
                   cost_tn: float | None = None, gain_tp: float | None = None,
                   gain_tn: float | None = None, sample_weight=None, pos_label=None) -> ThresholdResult:
    """The exact optimal decision threshold for a confusion-matrix objective.

    Every distinct score ``d`` defines one cut, "predict 1 when ``score >= d``" (tied scores
    always go together), plus the cut that predicts nothing positive. One sort and cumulative
    counts give the confusion matrix at every cut, the objective is evaluated on all of them
    at once, and the best is returned: the global optimum, in ``O(n log n)``.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        0/1 labels (both classes needed), or any two labels with ``pos_label``.
    y_score : array-like of shape (n,)
        Finite scores, higher meaning more likely class 1 (probabilities or decision values).
    objective : str, default="f1"
        ``"f1"``, ``"fbeta"`` (``beta``), ``"youden"`` (TPR - FPR), ``"balanced_accuracy"``,
        ``"accuracy"``, ``"mcc"``, ``"cost"`` (mean cost per sample, minimised, from
        ``cost_fp``, ``cost_fn`` (default 1) and ``cost_tp``, ``cost_tn`` (default 0)),
        ``"profit"`` (mean ``gain_tp*TP + gain_tn*TN - cost_fp*FP - cost_fn*FN`` per sample,
        maximised; defaults 1, 0, 1, 1), ``"precision_at_recall"`` (largest precision with
        recall >= ``min_recall``), ``"recall_at_precision"`` (largest recall with precision >=
        ``min_precision``; an error if no cut reaches it).
    placement : {"midpoint", "score"}, default="midpoint"
        Where to put the returned threshold for the optimal cut at distinct score ``d``:
        ``"score"`` returns ``d`` itself; ``"midpoint"`` returns the midpoint between ``d`` and
        the next lower distinct score (``d`` itself for the lowest one), which reproduces the
        same predictions on these scores and leaves a margin for new ones. The cut that
        predicts nothing positive returns ``+inf``.
    sample_weight : array-like of shape (n,), optional
        Non-negative weights: the confusion matrix sums weights instead of counting rows
        (a weight of ``k`` is the row repeated ``k`` times, 0 leaves it out; both classes
        need positive weight). Costs, profit and accuracy become weighted means.
    pos_label : label, optional
        The positive class when ``y_true`` holds two labels other than 0/1 (such as
        ``"spam"`` and ``"ham"``): its rows count as 1, the other label's as 0, and
        ``y_score`` must point to it (higher: more likely ``pos_label``).

    Returns
    -------
    ThresholdResult
        ``threshold``, ``value``, confusion counts ``tp, fp, tn, fn`` at the optimum, and the
        metric at every cut (``thresholds``, ``values``). ``value`` is the best of all the
        cuts on these very scores, so it is optimistic for new data (see
        :class:`ThresholdClassifier`'s ``best_score_``): judge it on other scores.

    Notes
    -----
    Ties in the metric: the cut with the highest threshold wins (fewest predicted
    positives), except that ``precision_at_recall`` prefers the larger recall and
    ``recall_at_precision`` the larger precision among equal values. F-scores, MCC and the
    precision floor treat 0/0 as 0, as scikit-learn does by default.

    Examples
    --------
    >>> from scimlkit.calibrate import best_threshold
    >>> res = best_threshold([0, 0, 1, 1, 0, 1], [0.1, 0.3, 0.35, 0.8, 0.5, 0.9], "f1")
    >>> round(res.value, 3), (res.tp, res.fp, res.fn)
    (0.857, (3, 1, 0))
    >>> res.predict([0.1, 0.3, 0.35, 0.8, 0.5, 0.9]).tolist()
    [0, 0, 1, 1, 1, 1]
    >>> labels = ["ham", "ham", "spam", "spam", "ham", "spam"]
    >>> best_threshold(labels, [0.1, 0.3, 0.35, 0.8, 0.5, 0.9], "f1", pos_label="spam").value == res.value
    True
    """
    objective = check_option(objective, "objective", OBJECTIVES)
    placement = check_option(placement, "placement", ("midpoint", "score"))
    params = _check_params(objective, {
        "beta": beta, "min_recall": min_recall, "min_precision": min_precision,
        "cost_fp": cost_fp, "cost_fn": cost_fn, "cost_tp": cost_tp, "cost_tn": cost_tn,
        "gain_tp": gain_tp, "gain_tn": gain_tn})
    y = check_labels(_binary_of(y_true, pos_label), "y_true")
    s = check_scores(y_score, "y_score")
    if y.shape[0] != s.shape[0]:
        raise InputError(f"`y_true` and `y_score` must have the same length, got {y.shape[0]} and {s.shape[0]}")
    w = check_weights(sample_weight, s.shape[0], y)
    return _best_threshold(y, s, objective, params, placement, w)


def _binary_of(y_true, pos_label, *, require_both: bool = True):
    """``y_true`` as 0/1 labels: as given when ``pos_label`` is None, else 1 where the label
    is ``pos_label`` (a number never names a text label, nor the reverse) and 0 for the one
    other label."""
    if pos_label is None:
        return y_true
    import pandas as pd

    if isinstance(y_true, np.ndarray | pd.Series | pd.Index | pd.Categorical):
        raw = np.asarray(y_true.to_numpy() if isinstance(y_true, pd.Series | pd.Index) else y_true)
    else:  # a list keeps each label's type (NumPy would turn [1, "1"] into two texts "1")
        raw = np.asarray(y_true, dtype=object)
    if raw.ndim != 1:
        raise InputError(f"`y_true` must be 1-D labels, got shape {raw.shape}")
    text = isinstance(pos_label, str)
    if raw.dtype.kind in "Uiufb":  # one type throughout: compared at once
        if raw.dtype.kind == "f" and np.isnan(raw).any():
            raise InputError(f"`y_true` contains {int(np.isnan(raw).sum())} missing label(s)")
        same_kind = (raw.dtype.kind == "U") == text
        positive = (raw == pos_label) if same_kind else np.zeros(raw.shape, dtype=bool)
        rest = np.unique(raw[~positive])
        others = sorted(str(v) for v in rest.tolist())
    else:
        values = raw.astype(object)
        gaps = int(pd.isna(values).sum())
        if gaps:
            raise InputError(f"`y_true` contains {gaps} missing label(s)")
        items = values.tolist()
        positive = np.array([isinstance(v, str) == text and v == pos_label for v in items], dtype=bool)
        # labels told apart by type as well as value: 1 and "1" are two labels (quoted when a
        # text and another label read the same)
        distinct = {(isinstance(v, str), v) for v, hit in zip(items, positive) if not hit}
        shown = [str(v) for _, v in distinct]
        others = sorted(repr(v) if shown.count(str(v)) > 1 and is_text else str(v) for is_text, v in distinct)
    if not positive.any() and require_both:
        raise InputError(f"`pos_label` {pos_label!r} is not a label of `y_true`; its labels are {others[:5]}")
    if len(others) > 1:
        raise InputError(f"`y_true` must hold two labels with `pos_label`, got {len(others) + positive.any()}: "
                         f"{others[:5]} besides {pos_label!r}")
    return positive.astype(np.int8)


def _best_threshold(y, s, objective, params, placement, w=None) -> ThresholdResult:
    if w is None:
        count = int
        P = int(np.count_nonzero(y))
        N = int(y.shape[0] - P)
        thresholds, tp, fp = _cut_counts(y, s)
    else:  # rows of zero weight are left out (no cut at their scores)
        count = float
        if not (w > 0).all():
            keep = w > 0
            y, s, w = y[keep], s[keep], w[keep]
        thresholds, tp, fp, P, N = _cut_weights(y, s, w)
    values = _metric(objective, tp, fp, P, N, params)
    maximize = OBJECTIVES[objective][1]
    if np.all(np.isnan(values)):
        floor = ", ".join(f"{k} {v:g}" for k, v in params.items())
        raise InputError(f"no threshold satisfies the objective '{objective}' ({floor}) on these scores")
    best_value = np.nanmax(values) if maximize else np.nanmin(values)
    ties = np.flatnonzero(values == best_value)
    if objective == "precision_at_recall":
        ties = ties[tp[ties] == tp[ties].max()]  # the larger recall among equal precisions
    k = int(ties[-1])  # otherwise the highest threshold (equal recall: the fewest false positives)
    last = thresholds.size - 1
    if k == last:
        threshold = np.inf
    elif placement == "score" or k == 0:
        threshold = float(thresholds[k])
    else:
        hi, lo = float(thresholds[k]), float(thresholds[k - 1])
        mid = hi / 2.0 + lo / 2.0
        threshold = mid if lo < mid <= hi else hi
    return ThresholdResult(
        objective=objective, params=params, threshold=float(threshold), value=float(best_value),
        maximize=maximize, tp=count(tp[k]), fp=count(fp[k]), tn=count(N - fp[k]), fn=count(P - tp[k]),
        n_candidates=int(thresholds.size), cut_index=k, placement=placement,
        thresholds=thresholds, values=values)


def confusion_at(y_true, y_score, threshold: float, *, pos_label=None) -> dict:
    """Confusion counts of the rule ``score >= threshold`` (``pos_label``: the positive class
    of two labels other than 0/1, as in :func:`best_threshold`).

    Examples
    --------
    >>> from scimlkit.calibrate import confusion_at
    >>> confusion_at([0, 1, 1], [0.2, 0.5, 0.9], 0.5)
    {'tp': 2, 'fp': 0, 'tn': 1, 'fn': 0}
    """
    y = check_labels(_binary_of(y_true, pos_label, require_both=False), "y_true", require_both=False)
    s = check_scores(y_score, "y_score")
    if y.shape[0] != s.shape[0]:
        raise InputError(f"`y_true` and `y_score` must have the same length, got {y.shape[0]} and {s.shape[0]}")
    if isinstance(threshold, float) and np.isinf(threshold):
        t = threshold
    else:
        t = check_scalar(threshold, "threshold")
    pred = s >= t
    pos = y.astype(bool)
    return {"tp": int(np.sum(pred & pos)), "fp": int(np.sum(pred & ~pos)),
            "tn": int(np.sum(~pred & ~pos)), "fn": int(np.sum(~pred & pos))}

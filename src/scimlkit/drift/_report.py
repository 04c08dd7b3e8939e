"""The drift report chapter: plain data in (report, profile, batch, history), figures out."""

from __future__ import annotations

import math

import numpy as np

from .._report import Chapter, new_figure
from ._profile import (
    DATETIME,
    NUMERIC,
    as_durations,
    as_frame,
    boolean_relabel,
    category_labels,
    holds_datetime_values,
    is_number_dtype,
    is_time_dtype,
    to_float,
)
from ._tests import histogram_counts

__all__ = ["drift_chapter", "effect_trend", "write_report"]

_SHOWN = ["column", "kind", "status", "test", "statistic", "pvalue_adj", "js_distance", "effect", "wasserstein", "psi",
          "missing_ref", "missing_cur", "unseen", "severity", "alert"]


def data_state_column(table):
    """``table`` as shown to a reader: its ``status`` column (the state of the data: empty,
    constant, type mismatch, datetime) titled ``data``, and left out when every row is ``ok``,
    so that ``ok`` is not read as "no drift" next to an alert."""
    if "status" not in table.columns:
        return table
    if table["status"].eq("ok").all():
        return table.drop(columns="status")
    return table.rename(columns={"status": "data"})


def _numeric_figure(summary, values, name, dtype=None, times=False):
    """Histogram and ECDF of the batch ``values`` (read from a column of type ``dtype``, float64
    when not given; ``times``: from datetimes or durations) against the reference, at the
    precision the check compared them."""
    fig, (ax_hist, ax_ecdf) = new_figure(7.2, 2.6, ncols=2)
    summary, y = summary.matched(values[np.isfinite(values)], np.dtype(float) if dtype is None else dtype,
                                 times=times)
    v, cum = summary.values, summary.cum
    lo = float(min(v[0], y.min())) if y.size else float(v[0])
    hi = float(max(v[-1], y.max())) if y.size else float(v[-1])
    # values near the float limit (or subnormal) are drawn in a unit that keeps the axis finite
    big = max(abs(lo), abs(hi))
    unit = 1.0
    if big > 1e300 or 0 < big < 1e-300:
        unit = 10.0 ** math.floor(math.log10(big))
        for ax in (ax_hist, ax_ecdf):
            ax.set_xlabel(f"value / {unit:.0e}", fontsize=8)
    edges, ref_counts, cur_counts = _histogram(summary, y, unit)
    if unit != 1.0:
        v, y, lo, hi = v / unit, y / unit, lo / unit, hi / unit
    widths = np.diff(edges)
    ax_hist.stairs(ref_counts / ref_counts.sum() / widths, edges, label="reference", color="#4c72b0", fill=True,
                   alpha=0.35)
    if y.size:
        ax_hist.stairs(cur_counts / cur_counts.sum() / widths, edges, label="batch", color="#dd8452", linewidth=1.6)
    ax_hist.legend(fontsize=8)
    ax_hist.set_title(f"{name}: histogram (reference quantile bins)", fontsize=9)
    ax_ecdf.step(np.r_[lo, v], np.r_[0, cum / cum[-1]], where="post", label="reference", color="#4c72b0")
    if y.size:
        ys = np.sort(y)
        ax_ecdf.step(ys, np.arange(1, ys.size + 1) / ys.size, where="post", label="batch", color="#dd8452")
    ax_ecdf.set_title(f"{name}: ECDF", fontsize=9)
    ax_ecdf.legend(fontsize=8)
    return fig


def _histogram(summary, y, unit=1.0):
    """Edges (divided by the drawing ``unit``), reference counts and batch counts of the
    histogram panel (densities drawn from them).

    The counts are the check's (:func:`histogram_counts`), so the Jensen-Shannon distance of the
    histogram drawn is the column's ``js_distance``: the reference quantile bins (right-closed
    like the profile's: a value equal to a knot belongs to the bin it closes; the upper edge of
    a bin is its largest knot), plus a bin for the batch values below the reference minimum and
    one for those above its maximum, drawn when they are not empty. A bin holding only the
    reference minimum (a count or rating column, or a constant one) has no width of its own: it
    is drawn as wide as the next bin, or for a constant column as the whole range shown, so
    that every bin is drawn and the batch's moves away from the reference are visible.
    """
    ref_all, cur_all = histogram_counts(summary, y)
    ref_counts, cur_counts = ref_all[:-2], cur_all[:-2]
    n_below, n_above = cur_all[-2:]
    v = summary.values
    below, above = y[y < v[0]], y[y > v[-1]]
    if unit != 1.0:
        v, y, below, above = v / unit, y / unit, below / unit, above / unit
    bins = summary.bins[:-1]
    last = np.r_[np.flatnonzero(np.diff(bins)), bins.size - 1]
    uppers = v[last]  # strictly increasing: one distinct largest knot per bin
    if uppers.size > 1:
        gap = float(uppers[1] - uppers[0])
    else:  # a constant reference: its one bin as wide as the range shown
        span = float(max(v[-1], y.max(initial=v[-1])) - min(v[0], y.min(initial=v[0])))
        gap = span if span > 0 else max(abs(float(v[0])), 1.0) / 2
    start = float(v[0])
    if uppers[0] <= start:  # the first bin holds only the minimum
        start = start - gap
        if below.size:  # the bin must not reach over the batch values below the minimum
            start = max(start, float(below.max()))
    edges = np.r_[start, uppers]
    if n_below:
        low = float(below.min())
        edges = np.r_[low if low < start else start - gap, edges]
        ref_counts, cur_counts = np.r_[0.0, ref_counts], np.r_[n_below, cur_counts]
    if n_above:
        edges = np.r_[edges, float(above.max())]
        ref_counts, cur_counts = np.r_[ref_counts, 0.0], np.r_[cur_counts, n_above]
    for i in range(1, edges.size):  # keep every bin drawable (edges rounded together far from zero)
        if not edges[i] > edges[i - 1]:
            edges[i] = np.nextafter(edges[i - 1], np.inf)
    return edges, ref_counts, cur_counts


def _categorical_figure(summary, values, name, top: int = 15):
    import pandas as pd

    fig, ax = new_figure(7.2, 2.6)
    ref = pd.Series(summary.counts, index=summary.categories.tolist(), dtype=float)
    relabel = boolean_relabel(summary.categories)  # a boolean reference meets 0/1 numbers
    cur = pd.Series(category_labels(pd.Series(values))[0]).map(lambda v: relabel.get(v, v))
    cur = cur.value_counts().astype(float)
    cats = list(dict.fromkeys(ref.sort_values(ascending=False).index.tolist()[:top]
                              + cur.sort_values(ascending=False).index.tolist()[:top]))[:top]
    x = np.arange(len(cats))
    ax.bar(x - 0.2, [ref.get(c, 0.0) / max(ref.sum(), 1) for c in cats], width=0.4, label="reference", color="#4c72b0")
    ax.bar(x + 0.2, [cur.get(c, 0.0) / max(cur.sum(), 1) for c in cats], width=0.4, label="batch", color="#dd8452")
    ax.set_xticks(x, cats, rotation=45, ha="right", fontsize=7)
    ax.set_title(f"{name}: category shares", fontsize=9)
    ax.legend(fontsize=8)
    return fig


_HISTORY_COLUMNS = ("batch", "health", "alert")


def _check_history_frame(history) -> None:
    """Raise ``InputError`` unless ``history`` looks like ``DriftHistory.history()`` (one row per check)."""
    from .._errors import InputError

    lacking = [c for c in _HISTORY_COLUMNS if c not in history.columns]
    if lacking:
        hint = " (this looks like DriftHistory.columns(), one row per column)" if "column" in history.columns else ""
        raise InputError(f"`history` must be DriftHistory.history() (one row per check, with the columns "
                         f"{', '.join(_HISTORY_COLUMNS)}), or the DriftHistory itself; the frame given lacks "
                         f"{', '.join(lacking)}{hint}")
    health = to_float(history["health"])
    if (np.isnan(health) & history["health"].notna().to_numpy()).any() or ((health < 0) | (health > 1)).any():
        raise InputError("`history` column 'health' must hold health scores in [0, 1]")


_MARKED = 50  # beyond this many checks, a check without an alert gets no marker
_HEALTH_LAST = 200  # the health figure draws at most this many of the latest checks


def health_figure(history, *, title: str = "Health score over time", last: int = _HEALTH_LAST):
    """Line plot of the health score per recorded check, alerts marked in red: the last
    ``last`` checks of ``history`` (every check when it holds fewer; a line of thousands of
    checks cannot be read), each at its position in the whole history."""
    fig, ax = new_figure(7.2, 2.6)
    total = len(history)
    history = history.iloc[max(0, total - last):]
    x = np.arange(total - len(history), total)
    health = history["health"].to_numpy(dtype=float)
    ax.plot(x, health, color="#4c72b0", linewidth=1.2,
            **({"marker": "o", "markersize": 3} if len(x) <= _MARKED else {}))
    alerts = history["alert"].to_numpy(dtype=bool)
    ax.scatter(x[alerts], health[alerts], color="#c44e52", zorder=3, label="alert", s=18 if len(x) <= _MARKED else 8)
    labels = history["batch"].fillna("").astype(str).tolist()
    step = max(1, len(labels) // 12)
    ax.set_xticks(x[::step], [labels[i] or str(x[i]) for i in range(0, len(labels), step)], rotation=45,
                  ha="right", fontsize=7)
    if len(x) == 1:
        ax.set_xlim(x[0] - 0.5, x[0] + 0.5)
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel("health")
    ax.set_title(title, fontsize=9)
    if alerts.any():
        ax.legend(fontsize=8)
    return fig


def _health_caption(history, last: int = _HEALTH_LAST) -> str:
    total = len(history)
    if total <= last:
        return "Health score of the recorded checks (red: alert)"
    n_alerts = int(history["alert"].to_numpy(dtype=bool).sum())
    return (f"Health score of the last {last} of the {total:,} recorded checks (red: alert; "
            f"{n_alerts:,} alert(s) over all {total:,} checks)")


_EFFECT_COLUMNS = ("check_id", "batch", "column", "effect", "alert")


def effect_trend(columns, *, min_effect: float, recent: int = 10, top: int = 8, last: int = 60) -> dict:
    """The per-column effect over the recorded checks, for the columns that alerted lately.

    Parameters
    ----------
    columns : pandas.DataFrame
        ``DriftHistory.columns(monitor=...)``: one row per column per check, of one monitor.
    min_effect : float
        The effect-size gate (drawn as a horizontal line).
    recent : int
        A column is drawn when it alerted in any of the last ``recent`` checks.
    top : int
        At most this many columns are drawn: those with the largest effect over the last
        ``recent`` checks.
    last : int
        Only the last ``last`` checks are kept for drawing (a figure of hundreds of checks
        cannot be read).

    Returns
    -------
    dict
        ``checks`` (the check ids drawn, oldest first: the last ``last``), ``n_checks`` (how
        many checks the frame holds), ``labels`` (the batch labels of the checks drawn, ``""``
        when none), ``effects`` ({column: list of effects, one per check drawn, NaN where the
        check has no effect for the column: not tested, or recorded before effects were
        kept}), ``alerts`` ({column: list of bools, one per check drawn: whether the column
        alerted in that check, by its values or by its missing rate}), ``min_effect``,
        ``recent`` (how many checks were looked at), ``alerted`` (the columns that alerted in
        them, largest effect first) and ``without_effect`` (those of them with no effect
        recorded in these checks, not drawn).
    """
    from .._errors import InputError

    lacking = [c for c in _EFFECT_COLUMNS if c not in columns.columns]
    if lacking:
        raise InputError(f"`history_columns` must be DriftHistory.columns() (one row per column per check); "
                         f"the frame given lacks {', '.join(lacking)}")
    every = list(dict.fromkeys(columns["check_id"].tolist()))
    checks = every[-last:] if last > 0 else []
    labels = columns.drop_duplicates("check_id").set_index("check_id")["batch"]
    labels = ["" if labels[c] is None or labels[c] != labels[c] else str(labels[c]) for c in checks]
    latest = columns.loc[columns["check_id"].isin(set(every[-recent:]) if recent > 0 else set())]
    alerted = set(latest.loc[latest["alert"].to_numpy(dtype=bool), "column"])
    peak = dict.fromkeys(alerted, -np.inf)  # the largest effect of each over the recent checks
    for name, value in zip(latest["column"], to_float(latest["effect"])):
        if name in alerted and np.isfinite(value):
            peak[name] = max(peak[name], float(value))
    alerted = sorted(alerted, key=lambda n: (-peak[n], str(n)))
    with_effect = [n for n in alerted if np.isfinite(peak[n])]
    position = {c: i for i, c in enumerate(checks)}
    effects, alerts = {}, {}
    for name in with_effect[:top]:
        rows = columns.loc[(columns["column"] == name) & columns["check_id"].isin(position)]
        at = [position[c] for c in rows["check_id"]]
        series = np.full(len(checks), np.nan)
        series[at] = to_float(rows["effect"])
        flags = np.zeros(len(checks), dtype=bool)
        flags[at] = rows["alert"].to_numpy(dtype=bool)
        effects[name], alerts[name] = series.tolist(), flags.tolist()
    return {"checks": checks, "n_checks": len(every), "labels": labels, "effects": effects, "alerts": alerts,
            "min_effect": float(min_effect), "recent": min(recent, len(every)), "alerted": alerted,
            "without_effect": [n for n in alerted if not np.isfinite(peak[n])]}


def effect_figure(trend: dict, *, title: str = "Effect of the drifted columns over time"):
    """Line plot of :func:`effect_trend`'s effects per check, the ``min_effect`` gate dashed; the
    checks where a column alerted (by its values or its missing rate) are filled markers (in
    the column's colour, edged black), the others small hollow ones (none beyond 50 checks); the legend is outside the axes."""
    fig, ax = new_figure(7.2, 2.8)
    x = np.arange(len(trend["checks"]))
    alerts = trend.get("alerts", {})
    marked = False
    for name, values in trend["effects"].items():
        line, = ax.plot(x, values, linewidth=1.2, label=str(name),
                        **({"marker": "o", "markersize": 3, "markerfacecolor": "none"} if len(x) <= _MARKED else {}))
        flags = np.asarray(alerts.get(name, [False] * len(x)), dtype=bool)
        y = np.asarray(values, dtype=float)
        flags &= np.isfinite(y)
        if flags.any():
            ax.scatter(x[flags], y[flags], s=26, color=line.get_color(), edgecolors="black", linewidths=0.7,
                       zorder=3)
            marked = True
    ax.axhline(trend["min_effect"], color="#555555", linestyle="--", linewidth=1,
               label=f"min_effect = {trend['min_effect']:g}")
    if marked:  # one legend entry for the filled markers of every column
        ax.scatter([], [], s=26, color="#999999", edgecolors="black", linewidths=0.7,
                   label="alert (values or missing rate)")
    labels = trend["labels"]
    step = max(1, len(labels) // 12)
    ax.set_xticks(x[::step], [labels[i] or str(trend["checks"][i]) for i in range(0, len(labels), step)],
                  rotation=45, ha="right", fontsize=7)
    if len(x) == 1:
        ax.set_xlim(-0.5, 0.5)
    ax.set_ylabel("effect")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    return fig


def _effect_caption(trend: dict, top: int) -> str:
    alerted, drawn = trend["alerted"], len(trend["effects"])
    shown, total = len(trend["checks"]), trend.get("n_checks", len(trend["checks"]))
    over = "the recorded checks" if shown >= total else f"the last {shown} of the {total} recorded checks"
    text = (f"Effect of each column that alerted in any of the last {trend['recent']} check(s), over {over}; "
            f"dashed: the min_effect gate ({trend['min_effect']:g}); filled markers: the checks where the "
            f"column alerted (by its values or by its missing rate, so a marker may lie under the gate)")
    with_effect = len(alerted) - len(trend["without_effect"])
    if with_effect > drawn:
        text += f"; the {drawn} of {with_effect} such columns with the largest effect are drawn (at most {top})"
    if trend["without_effect"]:
        text += (f"; {len(trend['without_effect'])} alerted column(s) have no effect recorded (not tested, or "
                 f"recorded before effects were kept): {', '.join(map(str, trend['without_effect'][:5]))}")
    return text


def drift_chapter(report, profile, current=None, history=None, *, history_columns=None, key: str = "drift",
                  title: str = "Data drift", max_figures: int = 8, max_trends: int = 8,
                  recent: int = 10) -> Chapter:
    """A report chapter for one check.

    Parameters
    ----------
    report : DriftReport
        The check to show.
    profile : ReferenceProfile
        The reference profile (for the reference histograms and ECDFs).
    current : pandas.DataFrame, optional
        The batch (for its histograms and ECDFs); without it only the tables are drawn.
    history : pandas.DataFrame, optional
        ``DriftHistory.history()``, for the health score over time (another frame raises
        ``InputError``).
    history_columns : pandas.DataFrame, optional
        ``DriftHistory.columns()`` of the same monitor, for the effect over time of the
        columns that alerted in any of the last ``recent`` checks (the ``max_trends`` with the
        largest effect), against the ``min_effect`` gate.
    """
    if history is not None:
        _check_history_frame(history)
    chapter = Chapter(key, title)
    chapter.paragraph(
        f"Batch of {report.n_current:,} rows against a reference of {report.n_reference:,} rows; "
        f"{report.method.upper()} test for numeric columns, chi-squared for categorical ones, "
        f"{report.correction} correction at alpha = {report.alpha:g}; an alert needs a significant test "
        f"and an effect of at least {report.min_effect:g} (the Jensen-Shannon distance with its sampling bias "
        f"removed, over the reference's quantile bins for a numeric column, over the test's cells for a "
        f"categorical one, a rare cell too small for the chi-squared test kept apart and tested with Fisher's "
        f"exact test beside it); datetime columns are not tested, their missing rate is.")
    metrics = {"health": round(report.health, 4), "columns drifted": f"{report.n_alerts} of {len(report.table)}",
               "batch rows": report.n_current}
    if report.multivariate is not None:
        metrics["domain classifier AUROC"] = round(report.multivariate.auroc, 4)
        mv = report.multivariate
        metrics["its p-value (adjusted)"] = f"{mv.pvalue_adj if mv.pvalue_adj == mv.pvalue_adj else mv.pvalue:.3g}"
    chapter.metrics(metrics)
    chapter.note(report.summary())
    table = data_state_column(report.table[_SHOWN].sort_values(["alert", "severity"], ascending=False))
    caption = "All columns (drifted first)"
    if "data" in table.columns:
        caption += "; data: the state of the column's data (empty, constant, type mismatch, datetime), not drift"
    chapter.table(table, caption=caption)
    if current is not None:
        drifted = report.table.loc[report.table["alert"]].sort_values("severity", ascending=False)
        for name in drifted["column"].tolist()[:max_figures]:
            summary = profile.columns[name]
            if summary.kind == DATETIME:  # an alert on its missing rate: no values to draw
                continue
            if summary.kind == NUMERIC:
                if summary.n == 0:
                    continue
                column = current[name]
                values = to_float(column)  # datetimes in seconds, as the profile holds them
                times = is_time_dtype(column.dtype) or (not is_number_dtype(column.dtype)
                                                        and (holds_datetime_values(column)
                                                             or as_durations(column) is not None))
                fig = _numeric_figure(summary, values, name, column.dtype, times=times)
            else:
                fig = _categorical_figure(summary, current[name].to_numpy(dtype=object), name)
            chapter.figure(fig, caption=f"Drifted column '{name}': reference against batch")
    if history is not None and len(history):
        chapter.figure(health_figure(history), caption=_health_caption(history))
    if history_columns is not None:
        trend = effect_trend(history_columns, min_effect=report.min_effect, recent=recent, top=max_trends)
        if trend["effects"]:
            chapter.figure(effect_figure(trend), caption=_effect_caption(trend, max_trends))
    return chapter


def _made_by(frame, timestamp):
    """The rows of a history ``frame`` created at or before ``timestamp`` (both read as UTC;
    rows without a time are kept); ``frame`` itself when it has no ``created`` column."""
    import pandas as pd

    from .._errors import InputError

    if frame is None or "created" not in frame.columns or not len(frame):
        return frame
    try:
        created = pd.to_datetime(frame["created"], utc=True, format="ISO8601")
    except (ValueError, TypeError):
        raise InputError("`history` column 'created' must hold ISO 8601 timestamps") from None
    try:
        limit = pd.to_datetime(timestamp, utc=True, format="ISO8601")
    except (ValueError, TypeError):
        raise InputError(f"the report's `timestamp` must be an ISO 8601 time, got {timestamp!r}") from None
    return frame.loc[(created.isna() | (created <= limit)).to_numpy()]


def write_report(report, path, *, reference=None, current=None, history=None, title: str | None = None):
    """Write the HTML report of one drift check (what ``scimlkit drift report`` writes).

    Parameters
    ----------
    report : DriftReport
        What :meth:`DriftMonitor.check` returned.
    path : str or path-like
        A folder (``index.html`` is written inside) or a file name ending in ``.html``.
    reference : DriftMonitor or ReferenceProfile, optional
        The fitted monitor (or its profile): with ``current``, each drifted column is drawn as
        reference against batch (histogram and ECDF).
    current : pandas.DataFrame, optional
        The batch that was checked.
    history : DriftHistory or pandas.DataFrame, optional
        The recorded checks (a history file or its :meth:`DriftHistory.history` frame), for the
        health score over time: those of the monitor that made ``report`` (the same ``name``;
        checks of other monitors sharing the file are left out), made at or before the
        report's ``timestamp`` (a report of an older check does not show the checks made
        after it). A history file also gives the effect over time of the columns that alerted
        in the last ten of these checks (the last 60 checks drawn).
    title : str, optional
        The report's title.

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np, pandas as pd
    >>> from scimlkit.drift import DriftMonitor, write_report
    >>> gen = np.random.default_rng(0)
    >>> monitor = DriftMonitor(rng=0).fit(pd.DataFrame({"x": gen.normal(size=5_000)}))
    >>> batch = pd.DataFrame({"x": gen.normal(0.5, 1, 1_000)})
    >>> path = write_report(monitor.check(batch), os.path.join(tempfile.mkdtemp(), "drift.html"),
    ...                     reference=monitor, current=batch)
    >>> "Drifted column" in path.read_text()
    True
    """
    import pandas as pd

    from .._errors import InputError
    from .._report import check_report_path, save_report
    from .._validation import describe
    from ._history import DriftHistory
    from ._monitor import DriftMonitor, DriftReport
    from ._profile import ReferenceProfile

    path = check_report_path(path)
    if not isinstance(report, DriftReport):
        raise InputError(f"`report` must be a DriftReport (from DriftMonitor.check), got {describe(report)}")
    profile = reference
    if isinstance(reference, DriftMonitor):
        profile = getattr(reference, "profile_", None)
        if profile is None:
            raise InputError("`reference` is a DriftMonitor that is not fitted; call fit first")
    elif reference is not None and not isinstance(reference, ReferenceProfile):
        raise InputError(f"`reference` must be a fitted DriftMonitor or a ReferenceProfile, got {describe(reference)}")
    if current is not None:
        if not isinstance(current, pd.DataFrame):
            raise InputError(f"`current` must be a pandas DataFrame (the checked batch), got {describe(current)}")
        if profile is None:
            raise InputError("`current` needs `reference` (the fitted monitor or its profile) to draw the columns")
        current = as_frame(current, "current")  # column labels as check read them (0 -> "0")
        missing = [c for c in report.table["column"] if c not in current.columns]
        if missing:
            raise InputError(f"`current` lacks the checked column(s) {', '.join(map(str, missing[:5]))}")
    history_columns = None
    if isinstance(history, DriftHistory):
        history_columns = history.columns(monitor=report.monitor)
        history = history.history()
    elif history is not None and not isinstance(history, pd.DataFrame):
        raise InputError(f"`history` must be a DriftHistory or its history() frame, got {describe(history)}")
    if history is not None and "monitor" in history.columns:  # the report's own monitor only
        names = history["monitor"]
        history = history.loc[names.isna() if report.monitor is None else names.eq(report.monitor)]
    if history_columns is not None and report.monitor is None:  # checks of no named monitor only
        history_columns = history_columns.loc[history_columns["monitor"].isna()]
    if history is not None:
        _check_history_frame(history)
    # a report of an older check shows the checks made up to it, not those made after
    recorded = None if history is None else len(history)
    history = _made_by(history, report.timestamp)
    history_columns = _made_by(history_columns, report.timestamp)
    if title is not None and not isinstance(title, str):
        raise InputError(f"`title` must be a string, got {describe(title)}")
    chapter = drift_chapter(report, profile, current if profile is not None else None, history,
                            history_columns=history_columns)
    if recorded and len(history) < recorded:
        later = recorded - len(history)
        chapter.note(f"history drawn up to this check's time ({report.timestamp}): {later} later check(s) left out"
                     if len(history) else
                     f"no recorded check at or before this check's time ({report.timestamp}): no history drawn")
    return save_report([chapter], path, title=title or "scimlkit drift report")

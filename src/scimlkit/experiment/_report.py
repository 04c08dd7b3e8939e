"""Report pieces of the experiment module: figures drawn from plain data."""

from __future__ import annotations

# -- forest plot of lifts with intervals -----------------------------------------


def forest_plot(labels, estimates, lows, highs, *, significant=None, reference: float = 0.0,
                xlabel: str = "relative lift", title: str | None = None, percent: bool = True):
    """A forest plot: one row per comparison, a point at the estimate and a bar for its interval.

    Parameters
    ----------
    labels : sequence of str
        Row labels, drawn top to bottom.
    estimates, lows, highs : sequence of float
        Point estimates and interval bounds (NaN bounds draw the point alone).
    significant : sequence of bool, optional
        Rows drawn in the accent colour.
    reference : float, default 0
        Vertical "no effect" line.
    xlabel, title : str
    percent : bool, default True
        Format the axis as percentages.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import numpy as np
    from matplotlib.ticker import PercentFormatter

    from .._report import new_figure

    labels = [str(v) for v in labels]
    est = np.asarray(estimates, dtype=float)
    low = np.asarray(lows, dtype=float)
    high = np.asarray(highs, dtype=float)
    sig = np.zeros(est.size, bool) if significant is None else np.asarray(significant, dtype=bool)
    n = len(labels)
    fig, ax = new_figure(6.4, 0.9 + 0.42 * max(n, 1))
    ypos = np.arange(n)[::-1]
    for y, e, lo, hi, s in zip(ypos, est, low, high, sig):
        color = "#c0392b" if s else "#2c3e50"
        if np.isfinite(lo) and np.isfinite(hi):
            ax.plot([lo, hi], [y, y], color=color, linewidth=2.2, solid_capstyle="butt")
        ax.plot([e], [y], marker="o", color=color, markersize=6)
    ax.axvline(reference, color="#7f8c8d", linestyle="--", linewidth=1)
    ax.set_yticks(ypos, labels)
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlabel(xlabel)
    if percent:
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.grid(axis="x", alpha=0.3)
    if title:
        ax.set_title(title)
    return fig


# -- power curve -----------------------------------------------------------------


def power_curve_figure(values, power, *, xlabel: str = "control-arm size", target_power=None,
                       design_value=None, title: str | None = None, width: float = 6.0,
                       height: float = 3.4):
    """Power against sample size (or effect) as a line, with the target and the design marked.

    Parameters
    ----------
    values, power : array-like
        The grid (sizes or effects) and the power at each point, e.g. ``curve.values`` and
        ``curve.power`` of a :class:`~scimlkit.experiment.PowerCurveResult`.
    xlabel : str
        Label of the horizontal axis.
    target_power : float, optional
        Drawn as a horizontal dashed line.
    design_value : float, optional
        The design's size or effect, drawn as a vertical dotted line.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import numpy as np

    from .._report import new_figure

    fig, ax = new_figure(width, height)
    x = np.asarray(values, dtype=float)
    y = np.asarray(power, dtype=float)
    ax.plot(x, y, color="#1f77b4", linewidth=2, label="power")
    if target_power is not None:
        ax.axhline(target_power, color="#d62728", linestyle="--", linewidth=1,
                   label=f"target {target_power:.0%}")
    if design_value is not None:
        shown = f"{design_value:,.0f}" if abs(design_value) >= 100 else f"{design_value:.4g}"
        ax.axvline(design_value, color="#555555", linestyle=":", linewidth=1, label=f"design {shown}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("power")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    if title:
        ax.set_title(title)
    return fig

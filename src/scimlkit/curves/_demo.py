"""Demo chapter of the curves module: forecast a learning curve from its first quarter."""

from __future__ import annotations

import warnings

import numpy as np

from .._report import Chapter
from ._fit import fit_curve
from ._measure import geometric_sizes, learning_curve
from ._report import forecast_data, forecast_plot, needed_sentence


def run(*, rng, quick: bool = False) -> Chapter:
    """Measure an SVM's learning curve on the digits data, fit its first quarter, and check
    the forecast of the full-size score and of the samples needed for a target."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    chapter = Chapter("curves", "Learning curves: how much more data, and what will it buy?")
    X, y = load_digits(return_X_y=True)
    folds = 3 if quick else 5
    seed = int(rng.integers(2**31 - 1))
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    n_train = len(y) - int(np.ceil(len(y) / folds))
    sizes = geometric_sizes(20, n_train, 12 if quick else 14)
    model = make_pipeline(StandardScaler(), SVC())
    lc = learning_curve(model, X, y, sizes=sizes, cv=cv, scoring="accuracy", rng=rng, show_progress=False)

    early = lc.sizes <= lc.n_train / 4
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_curve(lc.sizes[early], lc.scores[early], higher_is_better=True,
                        n_bootstrap=40 if quick else 120, rng=rng)
    full = int(lc.sizes[-1])
    actual = float(lc.mean[-1])
    target = 0.97
    data = forecast_data(fit, target=target, at=full, later=(lc.sizes[~early], lc.mean[~early]))
    pred, needed = data.prediction, data.needed
    reached = lc.sizes[lc.mean >= target]
    measured_n = int(reached[0]) if reached.size else None

    chapter.paragraph(
        f"An RBF support-vector machine on scikit-learn's handwritten digits ({len(y)} images, 10 classes), "
        f"scored by {folds}-fold cross-validated accuracy at {len(lc.sizes)} training-set sizes from "
        f"{lc.sizes[0]} to {full}. Only the sizes up to a quarter of the training fold "
        f"({int(early.sum())} anchors, up to n={int(lc.sizes[early][-1])}) are given to the fit; the rest of the "
        "measured curve is kept back to check the forecast.")
    chapter.metrics({
        "forecast by": fit.family,
        f"forecast at n={full}": float(pred.score[0]),
        "95% interval": f"{pred.low[0]:.4f} to {pred.high[0]:.4f}",
        "measured": actual,
        "last-value forecast": float(fit.scores[-1]),
        "fitted asymptote": float(fit.asymptote),
    })
    fig = forecast_plot(data, ylabel="accuracy", title="digits / SVM: fitted on the first quarter")
    chapter.figure(fig, "Anchors used for the fit (black), the measurements kept back (red), the forecast "
                        "(the families weighted by how well they extrapolate) with its bootstrap band, and two "
                        "simple rivals.")
    chapter.heading(f"How many samples for {target:.0%} accuracy?")
    seen = (f" The full measurement first reaches it at n={measured_n}." if measured_n
            else " The full measurement never reaches it within the data.")
    chapter.paragraph(needed_sentence(needed) + seen)
    chapter.table(data.ranking, "Every family, ranked by its error when fitted on the early "
                                "anchors and tested on the later ones (still within the first "
                                "quarter), with its weight in the forecast.")
    chapter.note(f"digits / SVM: forecast {pred.score[0]:.4f} [{pred.low[0]:.4f}, {pred.high[0]:.4f}] at "
                 f"n={full} from the first quarter ({fit.family}); measured {actual:.4f}; "
                 f"last value {fit.scores[-1]:.4f}")
    chapter.note(f"samples for {target:g} accuracy: "
                 + (f"~{needed.n:,.0f}" if needed.n is not None else needed.message)
                 + (f" (measured: first reached at n={measured_n})" if measured_n else ""))
    return chapter

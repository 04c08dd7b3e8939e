"""DriftMonitor: error rates, power, health score, multivariate drift, bad input, conventions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from scimlkit._errors import InputError, NotFittedError
from scimlkit.drift import (
    TABLE_COLUMNS,
    DriftMonitor,
    DriftReport,
    domain_classifier_test,
    health_score,
)
from scimlkit.drift._profile import NumericSummary

COLS = [f"f{i:02d}" for i in range(30)]


@pytest.fixture(scope="module")
def small_monitor():
    gen = np.random.default_rng(100)
    ref = pd.DataFrame(gen.normal(size=(20_000, 30)), columns=COLS)
    return DriftMonitor(sample_size=0).fit(ref)


def test_stable_days_alert_rate_within_family_wise_alpha(small_monitor):
    # 300 stable days x 30 features (2,000 rows a day against a 20,000-row reference).
    # Holm keeps P(any false rejection on a day) <= alpha = 0.05, and an alert needs a rejection,
    # so the number of days with an alert is at most Binomial(300, 0.05): mean 15; we accept up
    # to its 99.9% quantile (28), so the test fails by chance with probability < 0.1%.
    gen = np.random.default_rng(101)
    days, alert_days, reject_days = 300, 0, 0
    for _ in range(days):
        report = small_monitor.check(pd.DataFrame(gen.normal(size=(2000, 30)), columns=COLS))
        alert_days += report.alert
        reject_days += bool(report.table["significant"].any())
    limit = stats.binom.ppf(0.999, days, 0.05)
    assert limit == 28
    assert reject_days <= limit
    assert alert_days <= reject_days


def test_small_shift_in_three_features_is_flagged_at_50k_rows():
    # 0.1 SD shift in 3 of 30 features, 50,000 rows a day, 40 days: each shifted feature must be
    # flagged on at least 95% of days; the days with a false alert among the 27 others are at most
    # Binomial(40, 0.05)'s 99.9% quantile (with the effect gate they are in fact ~never flagged).
    gen = np.random.default_rng(102)
    ref = pd.DataFrame(gen.normal(size=(100_000, 30)), columns=COLS)
    monitor = DriftMonitor(sample_size=0).fit(ref)
    shifted = COLS[:3]
    days = 40
    hits = np.zeros(3)
    false_days = 0
    for _ in range(days):
        cur = gen.normal(size=(50_000, 30))
        cur[:, :3] += 0.1
        table = monitor.check(pd.DataFrame(cur, columns=COLS)).table.set_index("column")
        hits += table.loc[shifted, "alert"].to_numpy()
        false_days += bool(table.loc[COLS[3:], "alert"].any())
    assert np.all(hits >= 0.95 * days)
    assert false_days <= stats.binom.ppf(0.999, days, 0.05)


def test_effect_gate_silences_a_tiny_but_significant_shift():
    gen = np.random.default_rng(103)
    ref = pd.DataFrame({"x": gen.normal(size=100_000)})
    monitor = DriftMonitor(sample_size=0).fit(ref)
    row = monitor.check(pd.DataFrame({"x": gen.normal(0.04, 1, 50_000)})).table.iloc[0]
    assert row["pvalue_adj"] < 1e-4  # statistically real ...
    assert row["js_distance"] < 0.025 and not row["alert"]  # ... but below the gate
    assert row["wasserstein"] == pytest.approx(0.04, abs=0.01)  # in reference SDs


def test_health_separates_stable_day_from_three_shifted_features(small_monitor):
    gen = np.random.default_rng(104)
    stable, drifted, mean_jsd = [], [], []
    for _ in range(10):
        stable.append(small_monitor.check(pd.DataFrame(gen.normal(size=(5000, 30)), columns=COLS)).health)
        cur = gen.normal(size=(5000, 30))
        cur[:, [3, 11, 20]] += 0.5
        report = small_monitor.check(pd.DataFrame(cur, columns=COLS))
        drifted.append(report.health)
        mean_jsd.append(1 - report.table["js_distance"].mean())
    # a stable day scores 1 unless a column is falsely significant (probability <= alpha a day);
    # one such column has a small distance, costing a few hundredths (here: 0.94 on 2 of 10 days)
    assert np.median(stable) == 1.0
    assert min(stable) > 0.85
    assert max(drifted) < 0.75  # 3 of 30 saturated columns: 1 - sqrt(3/30) = 0.684
    assert min(mean_jsd) > 0.95  # what 1 - mean JSD would have shown: hardly a move


def test_health_score_definition():
    assert health_score([0] * 30) == 1.0
    assert health_score([1] * 30) == 0.0
    assert health_score([1, 1, 1] + [0] * 27) == pytest.approx(1 - np.sqrt(0.1))


def test_a_weak_significant_multivariate_test_never_raises_the_health(monkeypatch):
    # beside drifted columns, a significant but weak domain classifier (AUROC 0.52: component
    # 0.04 / 0.125 = 0.32) would pull the mean of the squared severities down, raising the
    # health; it may only lower it
    import scimlkit.drift._monitor as mon
    from scimlkit.drift import MultivariateDriftResult

    gen = np.random.default_rng(7)
    ref = pd.DataFrame({"a": gen.normal(size=4000), "b": gen.normal(size=4000), "c": gen.normal(size=4000)})
    cur = pd.DataFrame({"a": gen.normal(1.0, 1.0, 2000), "b": gen.normal(size=2000), "c": gen.normal(size=2000)})
    monitor = DriftMonitor(rng=0).fit(ref)
    plain = monitor.check(cur)
    assert plain.table.set_index("column").loc["a", "severity"] == 1.0 and 0 < plain.health < 1
    weak = MultivariateDriftResult(auroc=0.52, statistic=0.0, pvalue=1e-12, n_reference=4000,
                                   n_current=2000, n_splits=5)
    monkeypatch.setattr(mon, "domain_classifier_test", lambda *a, **k: weak)
    report = monitor.check(cur, multivariate=True)
    assert report.multivariate.pvalue_adj < 0.05 and report.alert
    assert report.health == plain.health


def test_multivariate_catches_correlation_flip_with_unchanged_marginals():
    gen = np.random.default_rng(105)
    cov_pos, cov_neg = [[1, 0.8], [0.8, 1]], [[1, -0.8], [-0.8, 1]]
    ref = pd.DataFrame(gen.multivariate_normal([0, 0], cov_pos, 20_000), columns=["a", "b"])
    ref["c"] = gen.normal(size=20_000)
    cur = pd.DataFrame(gen.multivariate_normal([0, 0], cov_neg, 3000), columns=["a", "b"])
    cur["c"] = gen.normal(size=3000)
    monitor = DriftMonitor(sample_size=2000, rng=0).fit(ref)
    report = monitor.check(cur, multivariate=True)
    assert report.n_alerts == 0  # no per-column test sees it
    assert report.multivariate.auroc > 0.75 and report.multivariate.pvalue < 1e-10
    assert report.alert
    # the health score sees it too: the multivariate test is one more component, fully severe
    # here (2 AUROC - 1 > 0.5 is above 5 * min_effect), beside three columns of severity 0
    assert report.table["severity"].max() == 0.0
    assert report.health == pytest.approx(1 - np.sqrt(1 / 4))
    assert monitor.check(cur).health == 1.0  # without the multivariate test
    # and a batch from the reference distribution is not flagged
    same = pd.DataFrame(gen.multivariate_normal([0, 0], cov_pos, 3000), columns=["a", "b"])
    same["c"] = gen.normal(size=3000)
    res = domain_classifier_test(monitor.profile_.sample, same, rng=1)
    assert 0.4 < res.auroc < 0.6 and res.pvalue > 0.001
    # a multivariate test that is not significant leaves the health as it is without it (here
    # beside one column shifted a little, so that the health is below 1)
    shifted = same.assign(c=same["c"] + 0.15)
    quiet = monitor.check(shifted, multivariate=True)
    assert quiet.multivariate.pvalue_adj >= 0.05
    assert 0 < quiet.health < 1
    assert quiet.health == monitor.check(shifted).health
    # the multivariate test is adjusted in one family with the per-column ones (Holm by
    # default: with 7 members, its adjusted p-value is at least its raw one and at most 7 times)
    mv = report.multivariate
    table = report.table
    family = np.r_[table["pvalue"], table["missing_pvalue"], mv.pvalue]
    from scimlkit.drift._corrections import adjust_pvalues

    assert mv.pvalue_adj == pytest.approx(adjust_pvalues(family, report.correction)[-1])
    assert mv.pvalue <= mv.pvalue_adj <= min(1.0, 7 * mv.pvalue)


def test_domain_classifier_pvalue_is_bonferroni_over_folds():
    # each fold's Mann-Whitney test on its own held-out scores, Bonferroni over the folds: any
    # number of folds gives a p-value in (0, 1], and a clear shift is found with the default two
    gen = np.random.default_rng(3)
    ref = pd.DataFrame(gen.normal(size=(300, 3)), columns=list("abc"))
    cur = pd.DataFrame(gen.normal(size=(300, 3)), columns=list("abc"))
    for k in (2, 3):
        res = domain_classifier_test(ref, cur, n_splits=k, rng=0)
        assert res.n_splits == k and 0.0 < res.pvalue <= 1.0
    shifted = cur.assign(a=cur["a"] + 1.0)
    res = domain_classifier_test(ref, shifted, rng=0)
    assert res.n_splits == 2 and res.pvalue < 1e-6 and np.isnan(res.pvalue_adj)


def test_categorical_and_missing_and_unseen():
    gen = np.random.default_rng(106)
    ref = pd.DataFrame({"plan": gen.choice(["a", "b", "c"], 20_000), "x": gen.normal(size=20_000)})
    ref.loc[gen.random(20_000) < 0.02, "x"] = np.nan
    monitor = DriftMonitor(sample_size=0).fit(ref)
    assert monitor.kinds_ == {"plan": "categorical", "x": "numeric"}
    cur = pd.DataFrame({"plan": gen.choice(["a", "b", "c", "zz"], 5000, p=[0.3, 0.3, 0.3, 0.1]),
                        "x": gen.normal(size=5000)})
    cur.loc[gen.random(5000) < 0.15, "x"] = np.nan
    table = monitor.check(cur).table.set_index("column")
    assert table.loc["plan", "unseen"] == "zz" and table.loc["plan", "alert"]
    assert table.loc["x", "missing_cur"] == pytest.approx(0.15, abs=0.02)
    assert table.loc["x", "missing_pvalue_adj"] < 1e-10 and table.loc["x", "alert"]
    assert not table.loc["x", "significant"]  # the values themselves did not move


def test_a_rare_missing_value_is_tested_exactly():
    # one missing value in a 500-row batch against none in 20,000 reference rows:
    # scipy.stats.fisher_exact([[0, 20000], [1, 499]]).pvalue = 1 / 41 (chi-squared gave 2.5e-10)
    gen = np.random.default_rng(0)
    ref = pd.DataFrame({"x": gen.normal(size=20_000)})
    cur = pd.DataFrame({"x": gen.normal(size=500)})
    cur.loc[0, "x"] = np.nan
    row = DriftMonitor(min_effect=0.0).fit(ref).check(cur).table.iloc[0]
    assert row["missing_pvalue"] == pytest.approx(stats.fisher_exact([[0, 20_000], [1, 499]]).pvalue, rel=1e-8)
    assert row["missing_pvalue_adj"] > 0.02


def test_column_type_override():
    frame = pd.DataFrame({"code": np.arange(1000) % 4, "x": np.arange(1000.0) / 7})
    monitor = DriftMonitor(column_types={"code": "categorical"}).fit(frame)
    assert monitor.kinds_["code"] == "categorical"
    with pytest.raises(InputError, match="column_types"):
        DriftMonitor(column_types={"nope": "numeric"}).fit(frame)
    with pytest.raises(InputError, match="numeric' or 'categorical"):
        DriftMonitor(column_types={"x": "text"}).fit(frame)


def test_report_result_object():
    gen = np.random.default_rng(107)
    monitor = DriftMonitor().fit(pd.DataFrame({"x": gen.normal(size=3000)}))
    report = monitor.check(pd.DataFrame({"x": gen.normal(size=500), "extra": 1}), batch="b1")
    assert isinstance(report, DriftReport)
    assert tuple(report.to_frame().columns) == TABLE_COLUMNS
    assert report.extra_columns == ("extra",) and report.batch == "b1"
    import json

    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert data["table"][0]["column"] == "x"
    assert "<table" in report._repr_html_()
    with pytest.raises(Exception):
        report.health = 0.5  # frozen


# -- bad input ----------------------------------------------------------------------------------
@pytest.fixture()
def fitted():
    gen = np.random.default_rng(108)
    ref = pd.DataFrame({"x": gen.normal(size=2000), "k": np.full(2000, 3.0), "c": gen.choice(["u", "v"], 2000),
                        "gone": np.nan})
    return DriftMonitor().fit(ref)


def test_missing_columns_raise(fitted):
    with pytest.raises(InputError, match="lacks 1 reference column.*c"):
        fitted.check(pd.DataFrame({"x": [1.0], "k": [3.0], "gone": [1.0]}))


def test_empty_batch_raises(fitted):
    with pytest.raises(InputError, match="at least 1 row"):
        fitted.check(pd.DataFrame({"x": [], "k": [], "c": [], "gone": []}))


def test_statuses_for_degenerate_columns(fitted):
    gen = np.random.default_rng(109)
    cur = pd.DataFrame({"x": np.full(500, np.nan), "k": np.full(500, 3.0), "c": gen.choice(["u", "v"], 500),
                        "gone": gen.normal(size=500)})
    table = fitted.check(cur).table.set_index("column")
    assert table.loc["x", "status"] == "current_empty" and np.isnan(table.loc["x", "pvalue"])
    assert table.loc["x", "alert"]  # every value went missing: the missing-rate test fires
    assert table.loc["k", "status"] == "constant_reference" and table.loc["k", "statistic"] == 0.0
    assert table.loc["gone", "status"] == "reference_empty"
    moved = fitted.check(cur.assign(k=4.0, x=1.0)).table.set_index("column")
    assert moved.loc["k", "alert"] and moved.loc["k", "statistic"] == 1.0
    assert moved.loc["k", "wasserstein"] == pytest.approx(1.0)  # raw units: no spread to divide by


def test_type_mismatch_is_a_status_and_an_alert(fitted):
    cur = pd.DataFrame({"x": ["a", "b"] * 100, "k": 3.0, "c": "u", "gone": np.nan})
    table = fitted.check(cur).table.set_index("column")
    assert table.loc["x", "status"] == "type_mismatch" and table.loc["x", "alert"]
    # numbers written as text are accepted
    ok = fitted.check(pd.DataFrame({"x": ["0.1", "0.2"] * 100, "k": 3.0, "c": "u", "gone": np.nan}))
    assert ok.table.set_index("column").loc["x", "status"] == "ok"


def test_not_fitted_and_bad_parameters():
    with pytest.raises(NotFittedError):
        DriftMonitor().check(pd.DataFrame({"x": [1.0]}))
    frame = pd.DataFrame({"x": [1.0, 2.0]})
    for params, match in [({"alpha": 1.5}, "alpha"), ({"method": "t"}, "method"), ({"correction": "x"}, "correction"),
                          ({"min_effect": -1}, "min_effect"), ({"n_bins": 1}, "n_bins")]:
        with pytest.raises(InputError, match=match):
            DriftMonitor(**params).fit(frame)
    with pytest.raises(InputError, match="DataFrame"):
        DriftMonitor().fit([1, 2, 3])
    with pytest.raises(InputError, match="at least 1 row"):
        DriftMonitor().fit(pd.DataFrame({"x": []}))


@pytest.mark.parametrize("method", ["ks", "cvm", "anderson"])
@pytest.mark.parametrize("correction", ["holm", "bonferroni", "bh"])
def test_methods_and_corrections_detect_a_clear_shift(method, correction):
    gen = np.random.default_rng(110)
    ref = pd.DataFrame(gen.normal(size=(12_000, 4)), columns=list("abcd"))
    cur = pd.DataFrame(gen.normal(size=(3000, 4)), columns=list("abcd"))
    cur["b"] += 0.4
    report = DriftMonitor(method=method, correction=correction, sample_size=0).fit(ref).check(cur)
    assert report.drifted() == ["b"]


def test_threads_give_the_same_answer():
    gen = np.random.default_rng(111)
    ref = pd.DataFrame(gen.normal(size=(5000, 6)), columns=list("abcdef"))
    cur = pd.DataFrame(gen.normal(0.05, 1, size=(2000, 6)), columns=list("abcdef"))
    one = DriftMonitor(n_jobs=1).fit(ref).check(cur).table
    two = DriftMonitor(n_jobs=2).fit(ref).check(cur).table
    pd.testing.assert_frame_equal(one, two)


# -- estimator conventions ------------------------------------------------------------------------
def test_estimator_conventions():
    from sklearn.base import clone
    from sklearn.utils.estimator_checks import (
        check_dont_overwrite_parameters,
        check_estimators_overwrite_params,
        check_get_params_invariance,
        check_no_attributes_set_in_init,
        check_parameters_default_constructible,
        check_set_params,
    )

    monitor = DriftMonitor(alpha=0.01, rng=0)
    for check in (check_no_attributes_set_in_init, check_get_params_invariance, check_set_params,
                  check_parameters_default_constructible, check_dont_overwrite_parameters,
                  check_estimators_overwrite_params):
        check("DriftMonitor", monitor)
    copy = clone(monitor)
    assert copy.get_params() == monitor.get_params()
    x = np.random.default_rng(0).normal(size=(300, 3))
    fitted = monitor.fit(x)
    assert fitted is monitor and monitor.n_features_in_ == 3
    assert list(monitor.feature_names_in_) == ["0", "1", "2"]
    assert not hasattr(DriftMonitor(), "profile_")
    assert "alpha=0.01" in repr(monitor)


def test_same_seed_same_answer():
    gen = np.random.default_rng(112)
    ref = pd.DataFrame(gen.normal(size=(3000, 3)), columns=list("abc"))
    cur = pd.DataFrame(gen.normal(size=(800, 3)), columns=list("abc"))
    a = DriftMonitor(rng=5, sample_size=500).fit(ref).check(cur, multivariate=True)
    b = DriftMonitor(rng=5, sample_size=500).fit(ref).check(cur, multivariate=True)
    assert a.multivariate == b.multivariate
    pd.testing.assert_frame_equal(a.table, b.table)


# -- regressions: validation and extreme values ---------------------------------------------------
@pytest.mark.parametrize("severity", [["a"], [5], [-1], [0.2, np.nan], [np.inf], [[0.1, 0.2]]])
def test_health_score_checks_its_input(severity):
    with pytest.raises(InputError, match="`severity`"):
        health_score(severity)


def test_check_refuses_a_bad_store(fitted, tmp_path):
    cur = pd.DataFrame({"x": [0.1, 0.2], "k": 3.0, "c": "u", "gone": np.nan})
    with pytest.raises(InputError, match="`store` must be a DriftHistory, a file path or None, got 5"):
        fitted.check(cur, store=5)


def test_multiindex_columns_are_flattened():
    gen = np.random.default_rng(113)
    columns = pd.MultiIndex.from_tuples([("a", "x"), ("a", "y")])
    ref = pd.DataFrame(gen.normal(size=(500, 2)), columns=columns)
    monitor = DriftMonitor(sample_size=0).fit(ref)
    assert list(monitor.feature_names_in_) == [str(("a", "x")), str(("a", "y"))]
    report = monitor.check(pd.DataFrame(gen.normal(size=(200, 2)), columns=columns))
    assert report.table["status"].tolist() == ["ok", "ok"]


def test_domain_classifier_needs_a_column():
    frame = pd.DataFrame({"x": np.arange(20.0)})
    with pytest.raises(InputError, match="`reference` must have at least one column"):
        domain_classifier_test(frame[[]], frame[[]])


def test_multivariate_message_names_the_small_sample():
    gen = np.random.default_rng(114)
    ref = pd.DataFrame({"x": gen.normal(size=300)})
    with pytest.raises(InputError, match="keeps only 5 .*sample_size=5"):
        DriftMonitor(sample_size=5).fit(ref).check(ref, multivariate=True)
    with pytest.raises(InputError, match="keeps none .*sample_size=0"):
        DriftMonitor(sample_size=0).fit(ref).check(ref, multivariate=True)
    with pytest.raises(InputError, match="reference had only 4 row"):
        DriftMonitor().fit(ref.iloc[:4]).check(ref, multivariate=True)


def test_infinite_batch_values_count_as_missing_everywhere():
    import warnings

    gen = np.random.default_rng(115)
    ref = pd.DataFrame({"x": gen.normal(size=1000), "y": gen.normal(size=1000)})
    cur = pd.DataFrame({"x": gen.normal(size=400), "y": gen.normal(size=400)})
    cur.loc[:99, "x"] = np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = DriftMonitor(rng=0).fit(ref).check(cur, multivariate=True)
    row = report.table.set_index("column").loc["x"]
    assert row["missing_cur"] == 0.25 and row["n_current"] == 300 and row["alert"]


@pytest.mark.parametrize("method", ["ks", "cvm", "anderson"])
def test_columns_of_subnormal_and_huge_values_are_tested(method):
    import warnings

    gen = np.random.default_rng(116)
    ints = gen.integers(0, 100, 400).astype(float)
    ref = pd.DataFrame({"tiny": ints * 5e-324, "huge": np.where(ints < 50, -1e308, 1e308)})
    same = pd.DataFrame({"tiny": ints[::-1] * 5e-324, "huge": np.where(ints[::-1] < 50, -1e308, 1e308)})
    moved = pd.DataFrame({"tiny": (ints + 60) * 5e-324, "huge": gen.normal(size=400)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        monitor = DriftMonitor(method=method, sample_size=0).fit(ref)
        unchanged, drifted = monitor.check(same).table, monitor.check(moved).table
    assert unchanged["status"].tolist() == ["ok", "ok"] and not unchanged["alert"].any()
    assert unchanged["wasserstein"].tolist() == pytest.approx([0.0, 0.0], abs=1e-12)
    assert drifted["status"].tolist() == ["ok", "ok"] and drifted["alert"].all()
    assert np.isfinite(drifted["wasserstein"]).all()
    exact = stats.ks_2samp(ints, ints + 60).statistic
    if method == "ks":
        assert drifted.loc[0, "statistic"] == pytest.approx(exact)


def test_integer_codes_read_as_floats_name_the_same_categories():
    # one missing code makes pandas read the column as floats (1.0, 2.0, ...): the categories
    # are still those of the integer reference, for the chi-squared and the domain classifier
    gen = np.random.default_rng(1)
    ref = pd.DataFrame({"store": gen.integers(1, 6, 3000), "x": gen.normal(size=3000)})
    batch = pd.DataFrame({"store": gen.integers(1, 6, 800).astype(float), "x": gen.normal(size=800)})
    batch.loc[0, "store"] = np.nan
    monitor = DriftMonitor(column_types={"store": "categorical"}, rng=0).fit(ref)
    res = monitor.check(batch, multivariate=True)
    row = res.table.set_index("column").loc["store"]
    assert row["unseen"] == "" and not row["alert"] and row["js_distance"] < 0.1
    assert res.multivariate.auroc < 0.6
    # a column of whole and half ratings: a batch that happens to hold whole ones only
    ratings = np.array([1.0, 1.5, 2.0, 3.0])
    monitor_r = DriftMonitor(column_types={"r": "categorical"}).fit(pd.DataFrame({"r": gen.choice(ratings, 2000)}))
    whole = monitor_r.check(pd.DataFrame({"r": gen.choice([1.0, 2.0, 3.0], 300)}))
    assert whole.table.loc[0, "unseen"] == ""
    # a profile saved with "1.0"-style labels reads them as "1" (counts of labels that now
    # coincide added up)
    from scimlkit.drift._profile import _merged

    cats, counts = _merged(np.array(["1", "1.0", "2.0", "a"]), np.array([3, 4, 5, 6]))
    assert cats.tolist() == ["1", "2", "a"] and counts.tolist() == [7, 5, 6]
    # the same the other way round, and for an object column holding floats
    monitor = DriftMonitor(column_types={"store": "categorical"}, rng=0).fit(batch)
    assert monitor.check(ref.astype({"store": object})).table.set_index("column").loc["store", "unseen"] == ""


def _ratings(gen, n):
    return gen.choice([1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0], size=n) + 0.1


@pytest.mark.parametrize("batch_dtype", ["float32", "Float32", "float16"])
def test_a_narrower_float_batch_is_compared_at_its_precision(batch_dtype):
    # a float32 Parquet batch holds the reference's repeated values rounded (3.1 reads as
    # 3.0999999): every value sat beside its reference value and KS gave p = 1e-44
    gen = np.random.default_rng(40)
    ref = pd.DataFrame({"r": _ratings(gen, 20_000), "x": gen.normal(size=20_000)})
    cur = pd.DataFrame({"r": _ratings(gen, 5_000), "x": gen.normal(size=5_000)})
    monitor = DriftMonitor(sample_size=0).fit(ref)
    base = monitor.check(cur).table.set_index("column")
    narrow = monitor.check(cur.astype(batch_dtype)).table.set_index("column")
    assert narrow.loc["r", "statistic"] == pytest.approx(base.loc["r", "statistic"], abs=1e-12)
    assert narrow.loc["r", "pvalue"] > 0.05 and not narrow.loc["r", "alert"]
    # a real shift is still seen at the narrow precision
    moved = cur.assign(r=cur["r"] + 0.5).astype(batch_dtype)
    assert monitor.check(moved).table.set_index("column").loc["r", "alert"]


def test_a_float32_reference_meets_a_float64_batch():
    gen = np.random.default_rng(41)
    ref = pd.DataFrame({"r": _ratings(gen, 20_000), "x": gen.normal(size=20_000)}).astype("float32")
    cur = pd.DataFrame({"r": _ratings(gen, 5_000), "x": gen.normal(size=5_000)})
    monitor = DriftMonitor(sample_size=0).fit(ref)
    summary = monitor.profile_.columns["r"]
    assert summary.stored_float32() and not DriftMonitor(sample_size=0).fit(cur).profile_.columns["r"].stored_float32()
    table = monitor.check(cur).table.set_index("column")
    same = monitor.check(cur.astype("float32")).table.set_index("column")
    assert table.loc["r", "statistic"] == pytest.approx(same.loc["r", "statistic"], abs=1e-12)
    assert not table.loc["r", "alert"]
    # whole numbers are float32 numbers whatever the storage: no rounding implied
    counts = DriftMonitor(sample_size=0).fit(pd.DataFrame({"k": gen.integers(0, 9, 1000).astype(float)}))
    assert not counts.profile_.columns["k"].stored_float32()


def test_rounding_the_profile_to_a_narrow_type_merges_knots():
    summary = NumericSummary.from_values("x", np.array([3.1, 3.1000000001, 5.2, 7.0]), eps=0.0005,
                                        max_exact=100).finalise(4)
    rounded = summary.at_precision(np.float32)
    assert rounded.values.tolist() == [float(np.float32(3.1)), float(np.float32(5.2)), 7.0]
    assert rounded.cum.tolist() == [2, 3, 4] and rounded.bins.size == 4 and rounded.n == summary.n
    assert summary.at_precision(np.float32) is rounded  # cached
    whole = NumericSummary.from_values("k", np.arange(10.0), eps=0.0005, max_exact=100).finalise(4)
    assert whole.at_precision(np.float32) is whole  # nothing to round


def test_a_float32_reference_of_large_whole_numbers_meets_a_float64_batch():
    # above 2**24 every float32 number is whole: such a reference is still read as float32
    gen = np.random.default_rng(42)
    ref = pd.DataFrame({"t": 3e7 + gen.normal(0, 20, 20_000)}).astype("float32")
    cur = pd.DataFrame({"t": 3e7 + gen.normal(0, 20, 3_000)})
    monitor = DriftMonitor(sample_size=0).fit(ref)
    assert monitor.profile_.columns["t"].stored_float32()
    as64 = monitor.check(cur).table.iloc[0]
    as32 = monitor.check(cur.astype("float32")).table.iloc[0]
    assert as64["statistic"] == pytest.approx(as32["statistic"], abs=1e-12) and not as64["alert"]
    # float64 whole numbers above 2**24 are no float32 data
    wide = pd.DataFrame({"t": np.round(3e7 + gen.normal(0, 2000, 20_000))})
    assert not DriftMonitor(sample_size=0).fit(wide).profile_.columns["t"].stored_float32()


def test_min_effect_zero_gives_severity_one_to_every_significant_column():
    # check's rule: severity min(1, d / (5 * min_effect)); min_effect = 0 used to give d itself
    gen = np.random.default_rng(21)
    ref = pd.DataFrame({"x": gen.normal(size=20_000), "y": gen.normal(size=20_000)})
    cur = pd.DataFrame({"x": gen.normal(0.15, 1, 5_000), "y": gen.normal(size=5_000)})
    zero = DriftMonitor(min_effect=0.0).fit(ref).check(cur)
    tiny = DriftMonitor(min_effect=1e-9).fit(ref).check(cur)
    table = zero.table.set_index("column")
    assert table.loc["x", "significant"] and table.loc["x", "js_distance"] < 0.2
    assert table.loc["x", "severity"] == 1.0 and table.loc["x", "alert"]
    assert table.loc["y", "severity"] == 0.0 and not table.loc["y", "significant"]
    np.testing.assert_array_equal(zero.table["severity"], tiny.table["severity"])
    assert zero.health == tiny.health == pytest.approx(1 - np.sqrt(0.5))


def test_set_params_refuses_an_unknown_name_before_setting_any():
    monitor = DriftMonitor()
    with pytest.raises(InputError, match="invalid parameter 'min_efect' for DriftMonitor; valid: method"):
        monitor.set_params(alpha=0.01, min_efect=0.1)
    assert monitor.alpha == 0.05  # the call changed nothing


def test_knots_beyond_the_float32_range_are_not_float32_numbers():
    # rounding to a narrow type keeps a value beyond its range: such a knot must still not make
    # a reference look read from float32 storage
    def summary(values):
        return NumericSummary.from_values("h", np.array(values), eps=0.0005, max_exact=100).finalise(2)

    tenth = float(np.float32(0.1))
    stored = summary([0.25, 0.5, tenth])
    assert stored.stored_float32() and not summary([0.25, 0.5, tenth, 1e300]).stored_float32()
    assert summary([0.1, 0.5, 1e300]).at_precision(np.float32).values.tolist() == [tenth, 0.5, 1e300]
    # a float64 batch meets a float32 reference rounded, values beyond float32 kept
    same, y = stored.matched(np.array([0.1, 1e300]), np.dtype("float64"))
    assert same is stored and y.tolist() == [tenth, 1e300]
    narrow, y = stored.matched(np.array([0.1]), np.dtype("float16"))
    assert narrow is stored.at_precision(np.float16) and y.tolist() == [0.1]

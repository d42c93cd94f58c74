"""reparo.analytics.stats against reference values published with each method or in its library's own tests.

Sources of the reference numbers (each quoted where it is used):
- Student's sleep data (Cushny & Peebles 1905, R's ``datasets::sleep``) with R's ``t.test(..., paired = TRUE)``
  and ``wilcox.test(..., paired = TRUE)`` outputs (R documentation examples).
- scipy's own tests (scipy/stats/tests/test_morestats.py ``test_wilcoxon_tie``, values from R;
  scipy/stats/tests/test_stats.py ``TestFisherExact.test_precise``, p-values from R's ``fisher.test``).
- statsmodels' own tests (statsmodels/stats/tests/test_contingency_tables.py ``Test2x2_1``;
  statsmodels/stats/tests/results/results_meta.py ``exk1_dl``: Kacker 2004 example, R ``metafor::rma(method="DL")``).
- lifelines' own tests (lifelines/tests/test_statistics.py ``test_rank_test_output_against_R_with_censorship``,
  R ``survival::survdiff``).
- Freireich et al. (1963) 6-MP remission times, the Kaplan-Meier example of Kalbfleisch & Prentice and of
  Kleinbaum & Klein: the product-limit estimates are exact fractions.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reparo.analytics import stats

SIX = 1e-6  # relative tolerance: at least six significant digits

SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]

# Freireich 6-MP group: weeks in remission, 1 = relapse, 0 = still in remission when last seen.
MP6_T = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
MP6_E = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]


def test_it_computes_the_paired_t_interval_of_r_for_the_sleep_data() -> None:
    # R: t.test(extra ~ group, data = sleep, paired = TRUE) → mean difference -1.58,
    # 95 percent confidence interval -2.4598858 -0.7001142, p-value = 0.002833 (group 1 minus group 2).
    result = stats.paired_change(before=SLEEP_1, after=SLEEP_2)
    assert result.n == 10
    assert result.mean_difference == pytest.approx(1.58, rel=1e-12)
    assert result.ci_low == pytest.approx(0.7001142, rel=SIX)
    assert result.ci_high == pytest.approx(2.4598858, rel=SIX)
    assert result.t_p_value == pytest.approx(0.002833, rel=1e-3)  # R prints four digits
    # The same p from t = 4.0621 on 9 df, to more digits (R: 2 * pt(-4.062128, 9) = 0.002832890).
    assert result.t_p_value == pytest.approx(0.002832890, rel=SIX)


def test_it_computes_the_exact_wilcoxon_p_with_ties_and_a_zero_for_the_sleep_data() -> None:
    # Differences 1.2, 2.4, 1.3, 1.3, 0, 1, 1.8, 0.8, 4.6, 1.4: one zero (dropped) and a tie. The nine others are
    # all positive, so only "all positive" and "all negative" are as extreme: p = 2 / 2**9 exactly. (R's
    # wilcox.test falls back to the normal approximation here and says 0.009091.)
    result = stats.paired_change(before=SLEEP_1, after=SLEEP_2)
    assert result.wilcoxon_p_value == 2 / 2**9
    assert result.wilcoxon_method == "exact"


def test_it_gives_two_in_256_for_eight_people_who_all_improved_with_ties() -> None:
    # Eight positive differences with ties: the normal approximation said 0.0138; the exact p is 2/256.
    result = stats.paired_change(before=[0] * 8, after=[1, 1, 2, 2, 3, 3, 4, 4])
    assert result.wilcoxon_p_value == 2 / 256
    assert result.wilcoxon_method == "exact"
    tied_all = stats.paired_change(before=[0.0] * 10, after=[0.1] * 10)  # scipy's test_wilcoxon_tie data
    assert (tied_all.wilcoxon_p_value, tied_all.wilcoxon_method) == (2 / 2**10, "exact")


def test_equal_changes_of_decimal_scores_are_tied_despite_floating_point() -> None:
    # Everyone changed by 0.3, one of them for the worse. In binary floating point 4.3 - 4.0 = 0.2999999999999998
    # and 1.3 - 1.0 = 0.30000000000000004, which unrounded would rank the "equal" changes 1..6 and give p 0.53125.
    # Tied, the exact p is that of changes +3 +3 -3 +3 +3 +3: 2 * 7/64 = 0.21875.
    before = [3.0, 4.0, 1.0, 2.0, 5.0, 6.0]
    after = [3.3, 4.3, 0.7, 2.3, 5.3, 6.3]
    assert len({round(abs(a - b), 17) for a, b in zip(after, before, strict=True)}) > 1  # the noise is there
    result = stats.paired_change(before, after)
    whole = stats.paired_change([0] * 6, [3, 3, -3, 3, 3, 3])
    assert result.wilcoxon_p_value == whole.wilcoxon_p_value == 14 / 64
    assert stats.wilcoxon_exact_p([a - b for a, b in zip(after, before, strict=True)]) == 14 / 64
    # A change everyone shares has no spread: no t of 10**14, no finite effect size.
    same = stats.paired_change([3.0, 4.0, 1.0, 2.0, 5.0, 6.0, 7.0, 8.0], [3.3, 4.3, 1.3, 2.3, 5.3, 6.3, 7.3, 8.3])
    assert (same.t_p_value, same.hedges_g, same.wilcoxon_p_value) == (0.0, math.inf, 2 / 2**8)
    assert same.mean_difference == pytest.approx(0.3, rel=1e-12) and same.ci_low == same.ci_high


def test_it_uses_the_exact_signed_rank_distribution_without_ties() -> None:
    # Six differences, all positive, no ties: the exact two-sided p is 2 x (1/2)^6 = 0.03125 by definition.
    result = stats.paired_change(before=[0, 0, 0, 0, 0, 0], after=[1, 2, 3, 4, 5, 6])
    assert result.wilcoxon_p_value == pytest.approx(0.03125, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=10_000), min_size=1, max_size=50, unique=True),
    st.lists(st.booleans(), min_size=50, max_size=50),
)
def test_it_agrees_with_scipys_exact_method_when_nothing_is_tied(magnitudes: list[int], signs: list[bool]) -> None:
    from scipy.stats import wilcoxon

    differences = [m if s else -m for m, s in zip(magnitudes, signs, strict=False)]
    expected = float(wilcoxon(differences, method="exact").pvalue)
    assert stats.wilcoxon_exact_p(differences) == pytest.approx(expected, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(
    "differences",
    [
        [1, 1, 2, 2, 3, 3, 4, 4],
        [1, -1, 2, 2, -3, 3, 3, 5, 5, -5],
        [0.5, 0.5, 0.5, -0.5, 1.5, 2.0, 2.0, -2.0, 3.0, 0.5, 1.5],
        [-2, -2, -2, -1, 1, 4],
    ],
)
def test_it_agrees_with_a_full_enumeration_of_sign_flips_with_ties(differences: list[float]) -> None:
    # scipy.stats.permutation_test with permutation_type="samples" on one sample flips signs; with at least 2**n
    # resamples it enumerates every sign assignment exactly (no random draw).
    import numpy as np
    from scipy.stats import permutation_test, rankdata

    def t_plus(d: np.ndarray, axis: int = -1) -> np.ndarray:
        ranks = rankdata(np.abs(d), axis=axis)
        return np.sum(ranks * (d > 0), axis=axis)

    result = permutation_test(
        (np.asarray(differences, dtype=float),), t_plus, permutation_type="samples", n_resamples=2**20,
        alternative="two-sided", vectorized=True,
    )  # fmt: skip
    assert stats.wilcoxon_exact_p(differences) == pytest.approx(float(result.pvalue), rel=1e-9)


def test_it_uses_the_normal_approximation_for_many_pairs_and_says_so() -> None:
    from scipy.stats import wilcoxon

    before = [0.0] * 60
    after = [float(i % 7) - 2 for i in range(60)]  # ties and zeros
    result = stats.paired_change(before, after)
    expected = wilcoxon([a - b for a, b in zip(after, before, strict=True)], correction=True, method="approx")
    assert result.wilcoxon_method == "normal"
    assert result.wilcoxon_p_value == pytest.approx(float(expected.pvalue), rel=1e-12)


def test_it_refuses_zero_differences_in_the_exact_test() -> None:
    with pytest.raises(ValueError):
        stats.wilcoxon_exact_p([1, 0, 2])


def test_it_computes_hedges_g_for_paired_data_by_the_published_formula() -> None:
    # d_z = mean(d) / sd(d); J = 1 - 3 / (4 df - 1), df = n - 1 (Borenstein et al. 2009). Worked by hand from the
    # sleep data: differences 1.2, 2.4, 1.3, 1.3, 0, 1, 1.8, 0.8, 4.6, 1.4.
    diffs = [b - a for a, b in zip(SLEEP_1, SLEEP_2, strict=True)]
    mean = sum(diffs) / 10
    sd = math.sqrt(sum((d - mean) ** 2 for d in diffs) / 9)
    expected = mean / sd * (1 - 3 / (4 * 9 - 1))
    assert expected == pytest.approx(1.1744526, rel=SIX)
    assert stats.paired_change(SLEEP_1, SLEEP_2).hedges_g == pytest.approx(expected, rel=1e-12)


def test_it_says_no_change_when_nothing_changed() -> None:
    result = stats.paired_change([3, 4, 5], [3, 4, 5])
    assert (result.mean_difference, result.t_p_value, result.wilcoxon_p_value, result.hedges_g) == (0, 1, 1, 0)
    assert result.wilcoxon_method == "none"


@pytest.mark.parametrize(
    ("before", "after"),
    [([1.0], [2.0]), ([1, 2, 3], [1, 2]), ([1, 2, float("nan")], [1, 2, 3]), ("abc", "abd"), ([1, "x"], [1, 2])],
)
def test_it_refuses_bad_paired_input(before: object, after: object) -> None:
    with pytest.raises(ValueError):
        stats.paired_change(before, after)  # type: ignore[arg-type]


def test_it_computes_risk_and_odds_ratio_intervals_of_statsmodels_reference() -> None:
    # statsmodels test_contingency_tables.py Test2x2_1: table [[2, 2], [2, 2]].
    rr = stats.risk_ratio(2, 4, 2, 4)
    assert rr.estimate == 1.0
    assert rr.ci_low == pytest.approx(0.25009765325990629, rel=SIX)
    assert rr.ci_high == pytest.approx(3.9984381579173824, rel=SIX)
    assert rr.p_value == 1.0
    odds = stats.odds_ratio(2, 4, 2, 4)
    assert odds.estimate == 1.0
    assert odds.ci_low == pytest.approx(0.062548836166112329, rel=SIX)
    assert odds.ci_high == pytest.approx(15.987507702689751, rel=SIX)


def test_it_uses_the_log_scale_and_woolf_formulas() -> None:
    # Katz log interval and Woolf interval, by hand: table [[15, 85], [30, 70]].
    z = 1.959963984540054
    rr = stats.risk_ratio(15, 100, 30, 100)
    se = math.sqrt(1 / 15 - 1 / 100 + 1 / 30 - 1 / 100)
    assert rr.estimate == pytest.approx(0.5, rel=1e-12)
    assert rr.ci_low == pytest.approx(0.5 * math.exp(-z * se), rel=SIX)
    assert rr.ci_high == pytest.approx(0.5 * math.exp(z * se), rel=SIX)
    odds = stats.odds_ratio(15, 100, 30, 100)
    sample_or = (15 * 70) / (85 * 30)
    se = math.sqrt(1 / 15 + 1 / 85 + 1 / 30 + 1 / 70)
    assert odds.estimate == pytest.approx(sample_or, rel=1e-12)
    assert odds.ci_low == pytest.approx(sample_or * math.exp(-z * se), rel=SIX)
    assert odds.ci_high == pytest.approx(sample_or * math.exp(z * se), rel=SIX)


@pytest.mark.parametrize(
    ("table", "p"),
    [
        # scipy test_stats.py TestFisherExact.test_precise (R's fisher.test).
        ([[100, 2], [1000, 5]], 1.300759363430016e-001),
        ([[2, 7], [8, 2]], 2.301413756522114e-002),
        ([[5, 15], [20, 20]], 9.580440012477637e-002),
        ([[5, 16], [20, 25]], 1.725864953812994e-001),
    ],
)
def test_it_gives_the_fisher_exact_p_of_r(table: list[list[int]], p: float) -> None:
    (a, b), (c, d) = table
    assert stats.risk_ratio(a, a + b, c, c + d).p_value == pytest.approx(p, rel=SIX)
    assert stats.odds_ratio(a, a + b, c, c + d).p_value == pytest.approx(p, rel=SIX)


@pytest.mark.parametrize(
    "args", [(5, 4, 1, 10), (-1, 10, 1, 10), (1, 0, 1, 10), (1.5, 10, 1, 10), (True, 10, 1, 10), (0, 10, 0, 10)]
)
def test_it_refuses_impossible_counts(args: tuple[int, int, int, int]) -> None:
    with pytest.raises(ValueError):
        stats.risk_ratio(*args)
    with pytest.raises(ValueError):
        stats.odds_ratio(*args)


def test_it_refuses_an_odds_ratio_with_an_empty_cell() -> None:
    with pytest.raises(ValueError):
        stats.odds_ratio(10, 10, 3, 10)


def test_it_computes_the_kaplan_meier_estimates_of_the_6mp_example() -> None:
    curve = stats.kaplan_meier(MP6_T, MP6_E)
    expected = {
        6: 18 / 21,
        7: 18 / 21 * 16 / 17,
        10: 18 / 21 * 16 / 17 * 14 / 15,
        13: 18 / 21 * 16 / 17 * 14 / 15 * 11 / 12,
        16: 18 / 21 * 16 / 17 * 14 / 15 * 11 / 12 * 10 / 11,
        22: 18 / 21 * 16 / 17 * 14 / 15 * 11 / 12 * 10 / 11 * 6 / 7,
        23: 18 / 21 * 16 / 17 * 14 / 15 * 11 / 12 * 10 / 11 * 6 / 7 * 5 / 6,  # published: 0.448
    }
    at = dict(zip(curve.times, curve.survival, strict=True))
    for time, value in expected.items():
        assert at[time] == pytest.approx(value, rel=1e-12)
    assert at[0] == 1.0
    assert curve.median == 23  # the classic result: median remission 23 weeks


def test_it_gives_the_exponential_greenwood_interval() -> None:
    # Greenwood: var(log S) = sum d / (n (n - d)); log(-log) interval S^exp(±z sqrt(var) / log S).
    curve = stats.kaplan_meier(MP6_T, MP6_E)
    z = 1.959963984540054
    s = 18 / 21
    greenwood = 3 / (21 * 18)
    v = greenwood / math.log(s) ** 2
    low, high = s ** math.exp(z * math.sqrt(v)), s ** math.exp(-z * math.sqrt(v))
    i = curve.times.index(6)
    assert curve.ci_low[i] == pytest.approx(low, rel=SIX)
    assert curve.ci_high[i] == pytest.approx(high, rel=SIX)
    assert all(lo <= sv <= hi for lo, sv, hi in zip(curve.ci_low, curve.survival, curve.ci_high, strict=True))


def test_it_gives_no_median_when_fewer_than_half_had_the_event() -> None:
    assert stats.kaplan_meier([1, 2, 3, 4], [1, 0, 0, 0]).median is None


@pytest.mark.parametrize(("durations", "events"), [([1, 2], [1]), ([1, -2], [1, 1]), ([1, 2], [1, 2]), ([], [])])
def test_it_refuses_bad_survival_input(durations: list[float], events: list[int]) -> None:
    with pytest.raises(ValueError):
        stats.kaplan_meier(durations, events)


def test_it_gives_the_log_rank_statistic_of_r() -> None:
    # lifelines test_statistics.py test_rank_test_output_against_R_with_censorship (R survdiff):
    # time c(10,20,30,10,20,50), status c(1,0,1,1,0,1), treatment c(1,1,1,0,0,0): Chisq = 0.384615, p = 0.535143.
    result = stats.logrank([10, 20, 30], [1, 0, 1], [10, 20, 50], [1, 0, 1])
    assert result.chi2 == pytest.approx(5 / 13, rel=1e-9)  # 0.384615... exactly 5/13 by hand
    assert result.p_value == pytest.approx(0.535143, rel=SIX)


def test_it_refuses_bad_log_rank_input() -> None:
    with pytest.raises(ValueError):
        stats.logrank([1, 2], [1, 1], [1, 2], [1])


def test_it_matches_metafor_dersimonian_laird() -> None:
    # statsmodels results_meta.py exk1_dl (Kacker 2004, R metafor rma(method = "DL")).
    y = [61.0, 61.4, 62.21, 62.3, 62.34, 62.6, 62.7, 62.84, 65.9]
    v = [0.2025, 1.21, 0.09, 0.2025, 0.3844, 0.5625, 0.0676, 0.0225, 1.8225]
    result = stats.meta_analysis(y, v)
    assert result.estimate == pytest.approx(62.3901386044504, rel=SIX)
    assert result.se == pytest.approx(0.245749668040304, rel=SIX)
    assert result.ci_low == pytest.approx(61.9084781058787, rel=SIX)
    assert result.ci_high == pytest.approx(62.8717991030221, rel=SIX)
    assert result.tau2 == pytest.approx(0.288049246973751, rel=SIX)
    assert result.q == pytest.approx(24.801897741835, rel=SIX)
    assert result.i2 == pytest.approx(0.67744403741711, rel=SIX)  # metafor prints I² = 67.744403741711 %


def test_it_never_gives_a_negative_tau2_or_an_i2_outside_zero_to_one() -> None:
    # Homogeneous studies: Q < k - 1, so the moment estimate would be negative; it is truncated at zero.
    result = stats.meta_analysis([1.0, 1.01, 0.99, 1.0], [0.5, 0.5, 0.5, 0.5])
    assert result.tau2 == 0.0
    assert result.i2 == 0.0
    # ...and the pooled estimate is then the fixed-effect (inverse-variance) mean with its standard error.
    assert result.estimate == pytest.approx(1.0, rel=1e-12)
    assert result.se == pytest.approx(math.sqrt(0.5 / 4), rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(-10, 10, allow_nan=False), st.floats(0.01, 5, allow_nan=False)), min_size=2, max_size=12
    )
)
def test_it_keeps_tau2_and_i2_in_range_for_any_studies(studies: list[tuple[float, float]]) -> None:
    effects, variances = zip(*studies, strict=True)
    result = stats.meta_analysis(list(effects), list(variances))
    assert result.tau2 >= 0
    assert 0 <= result.i2 <= 1
    assert result.ci_low <= result.estimate <= result.ci_high


@pytest.mark.parametrize(
    ("effects", "variances", "method"),
    [([1.0], [1.0], "DL"), ([1.0, 2.0], [1.0, 0.0], "DL"), ([1.0, 2.0], [1.0], "DL"), ([1.0, 2.0], [1, 1], "REML")],
)
def test_it_refuses_bad_meta_analysis_input(effects: list[float], variances: list[float], method: str) -> None:
    with pytest.raises(ValueError):
        stats.meta_analysis(effects, variances, method=method)


def test_its_results_are_frozen_with_exactly_the_promised_fields() -> None:
    import dataclasses

    expected = {
        stats.PairedChange: [
            "n",
            "mean_difference",
            "ci_low",
            "ci_high",
            "t_p_value",
            "wilcoxon_p_value",
            "hedges_g",
            "wilcoxon_method",
        ],
        stats.RatioEstimate: ["estimate", "ci_low", "ci_high", "p_value"],
        stats.SurvivalCurve: ["times", "survival", "ci_low", "ci_high", "median"],
        stats.LogRank: ["chi2", "p_value"],
        stats.MetaAnalysis: ["estimate", "se", "ci_low", "ci_high", "tau2", "q", "i2"],
    }
    for cls, names in expected.items():
        assert [f.name for f in dataclasses.fields(cls)] == names
        assert cls.__dataclass_params__.frozen  # type: ignore[attr-defined]


STANDARD_LIBRARY = sys.stdlib_module_names


def _module_of(module: str, name: str) -> str:
    """The module ``from module import name`` imports: ``module.name`` when that is a module itself."""
    try:
        return f"{module}.{name}" if importlib.util.find_spec(f"{module}.{name}") else module
    except ModuleNotFoundError:
        return module


def test_it_preloads_every_library_its_functions_import_when_called():
    """gunicorn's master imports LAZY_MODULES before forking (reparo/server.py), so that no worker imports them on
    its first dashboard under load: a function that imports a module not in the list would bring that back."""
    import ast

    tree = ast.parse(Path(stats.__file__).read_text())
    imported_in_functions = set()
    for function in (node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)):
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:  # "from scipy import stats" imports the module scipy.stats
                    imported_in_functions.add(_module_of(node.module, alias.name))
            elif isinstance(node, ast.Import):
                imported_in_functions.update(alias.name for alias in node.names)
    # The standard library's modules are small; only the statistics libraries are worth importing ahead.
    imported_in_functions = {
        name for name in imported_in_functions if name.split(".")[0] not in sys.stdlib_module_names
    }
    assert imported_in_functions
    assert imported_in_functions <= set(stats.LAZY_MODULES)

    stats.preload()
    assert all(name in sys.modules for name in stats.LAZY_MODULES)

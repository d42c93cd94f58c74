"""Outcome statistics, each a thin, documented call into scipy, statsmodels or lifelines (nothing hand-rolled
except the one line that is a published formula: the small-sample correction of Hedges' g).

Every function checks its input and raises ``ValueError`` (saying which argument and why) rather than return
a number computed from something that is not what it claims to be. Every result is a frozen dataclass of
plain Python floats and ints, so it can be shown, cached or compared without the libraries' own types.

Which variant each function computes is said in its docstring; tests/analytics/test_stats.py checks each
against reference values published with the method or in the library's own test suite.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "LogRank",
    "MetaAnalysis",
    "PairedChange",
    "RatioEstimate",
    "SurvivalCurve",
    "kaplan_meier",
    "logrank",
    "meta_analysis",
    "odds_ratio",
    "paired_change",
    "risk_ratio",
    "wilcoxon_exact_p",
]

# What the functions below import when first called: large (about 1.5 s and 130 MiB), so not at start-up of every
# command, but reparo/server.py imports them in gunicorn's master before it starts the workers, so that a worker's
# first dashboard does not spend its first second and a half importing them while it serves other requests.
LAZY_MODULES = (
    "scipy.stats",
    "statsmodels.stats.contingency_tables",
    "statsmodels.stats.meta_analysis",
    "lifelines",
    "lifelines.statistics",
)


def preload() -> None:
    """Import :data:`LAZY_MODULES` now (in a server's master process, before its workers are forked)."""
    import importlib

    for name in LAZY_MODULES:
        importlib.import_module(name)


Number = float | int
Numbers = Sequence[Number] | np.ndarray  # a sequence of numbers, or a numpy array of them


@dataclass(frozen=True)
class PairedChange:
    n: int
    mean_difference: float
    ci_low: float
    ci_high: float
    t_p_value: float
    wilcoxon_p_value: float
    hedges_g: float
    # How ``wilcoxon_p_value`` was found: "exact" (the whole null distribution of the signed-rank statistic,
    # ties and all), "normal" (the normal approximation, for many pairs) or "none" (every difference is zero).
    wilcoxon_method: str


@dataclass(frozen=True)
class RatioEstimate:
    estimate: float
    ci_low: float
    ci_high: float
    p_value: float


@dataclass(frozen=True)
class SurvivalCurve:
    times: tuple[float, ...]
    survival: tuple[float, ...]
    ci_low: tuple[float, ...]
    ci_high: tuple[float, ...]
    median: float | None


@dataclass(frozen=True)
class LogRank:
    chi2: float
    p_value: float


@dataclass(frozen=True)
class MetaAnalysis:
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    tau2: float
    q: float
    i2: float


# --- input checks ---------------------------------------------------------------------------------------------


def _finite_vector(name: str, values: Numbers, *, minimum: int = 1) -> np.ndarray:
    if isinstance(values, str | bytes):
        raise ValueError(f"{name} must be a sequence of numbers, not a string.")
    try:
        array = np.asarray(list(values), dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must contain only numbers.") from None
    if array.ndim != 1:
        raise ValueError(f"{name} must be a flat sequence of numbers.")
    if len(array) < minimum:
        raise ValueError(f"{name} needs at least {minimum} values, got {len(array)}.")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains a missing or infinite value.")
    return array


def _count(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be a whole number, got {value!r}.")
    if value < 0:
        raise ValueError(f"{name} cannot be negative, got {value}.")
    return int(value)


def _two_groups(events_a: int, n_a: int, events_b: int, n_b: int) -> np.ndarray:
    ea, na, eb, nb = (
        _count("events_a", events_a),
        _count("n_a", n_a),
        _count("events_b", events_b),
        _count("n_b", n_b),
    )
    if na == 0 or nb == 0:
        raise ValueError("Each group needs at least one person (n_a and n_b must be above zero).")
    if ea > na:
        raise ValueError(f"events_a ({ea}) cannot exceed n_a ({na}).")
    if eb > nb:
        raise ValueError(f"events_b ({eb}) cannot exceed n_b ({nb}).")
    return np.array([[ea, na - ea], [eb, nb - eb]], dtype=float)


def _events(name: str, values: Numbers, length: int) -> np.ndarray:
    array = _finite_vector(name, values)
    if len(array) != length:
        raise ValueError(f"{name} must have one entry per duration ({length}), got {len(array)}.")
    if not np.all((array == 0) | (array == 1)):
        raise ValueError(f"{name} must be 1 (the event happened) or 0 (followed up without it).")
    return array.astype(int)


def _durations(name: str, values: Numbers) -> np.ndarray:
    array = _finite_vector(name, values)
    if np.any(array < 0):
        raise ValueError(f"{name} cannot contain negative times.")
    return array


# --- paired change --------------------------------------------------------------------------------------------

# Up to this many non-zero differences the signed-rank p-value is exact (the count below takes well under a
# millisecond at 50); beyond it the normal approximation is close and cheap (scipy's own cut-off for "exact").
EXACT_WILCOXON_MAX = 50
# Differences are rounded to this many decimals before they are ranked, compared with zero or measured for spread.
# Scores have a few decimals at most, but subtracting them in binary floating point leaves noise in the last digits
# (4.3 - 4.0 = 0.2999999999999998, 1.3 - 1.0 = 0.30000000000000004): unrounded, equal changes would not be tied
# (a wrong exact p) and a change everyone shares would have a spread (a t of 10**14). R's wilcox.test offers
# ``digits.rank`` for the same reason.
DIFFERENCE_DECIMALS = 9


def wilcoxon_exact_p(differences: Sequence[Number]) -> float:
    """Exact two-sided p-value of the Wilcoxon signed-rank test of non-zero ``differences``, ties included.

    Under the null hypothesis each difference is as likely to be positive as negative, so all 2**n sign
    assignments of the observed absolute differences are equally likely. The statistic is T+, the sum of the
    (mid)ranks of the positive differences. Its null distribution is counted exactly, rank by rank (the number
    of sign assignments giving each possible T+, a subset-sum count over the doubled midranks, which are whole
    numbers), which is the same as enumerating every sign flip. The p-value is
    ``min(1, 2 * min(P(T+ <= t), P(T+ >= t)))`` for the observed t, as ``scipy.stats.wilcoxon(...,
    method="exact")`` (which refuses ties) and R's ``coin::wilcoxsign_test(distribution = "exact")``.
    Eight differences, all positive: p = 2 / 2**8 = 0.0078125.
    """
    from fractions import Fraction

    from scipy.stats import rankdata

    d = np.round(_finite_vector("differences", differences), DIFFERENCE_DECIMALS)
    if np.any(d == 0):
        raise ValueError("differences must all be non-zero (drop the pairs with no change first).")
    doubled = [round(float(2 * r)) for r in rankdata(np.abs(d))]  # midranks are whole or halves
    observed = sum(r for r, x in zip(doubled, d, strict=True) if x > 0)
    counts = [1] + [0] * sum(doubled)  # counts[s]: sign assignments whose positive doubled ranks sum to s
    reached = 0
    for r in doubled:
        reached += r
        for s in range(reached, r - 1, -1):
            counts[s] += counts[s - r]
    total = 2 ** len(doubled)
    lower = sum(counts[: observed + 1])
    upper = sum(counts[observed:])
    return float(min(Fraction(1), 2 * Fraction(min(lower, upper), total)))


def paired_change(before: Numbers, after: Numbers) -> PairedChange:
    """Change from ``before`` to ``after`` for the same people (``after - before``, pair by pair).

    The differences are rounded to :data:`DIFFERENCE_DECIMALS` decimals first (floating-point noise, see there).

    - ``mean_difference`` and its 95% confidence interval (``ci_low``, ``ci_high``): Student's paired t,
      ``scipy.stats.ttest_rel(after, before)`` (the one-sample t of the differences) and its
      ``confidence_interval(0.95)``; ``t_p_value`` is the
      two-sided p of that test.
    - ``wilcoxon_p_value``: two-sided Wilcoxon signed-rank test of the differences, pairs with no change
      dropped (``zero_method="wilcox"``), tied absolute differences given their mean rank. With up to
      :data:`EXACT_WILCOXON_MAX` non-zero differences the p-value is exact, ties or not
      (:func:`wilcoxon_exact_p`: the permutation distribution of the statistic over every equally likely
      assignment of signs, counted, not sampled; without ties it equals ``scipy.stats.wilcoxon(...,
      method="exact")``). With more, the normal approximation with continuity correction and tie-corrected
      variance (``scipy.stats.wilcoxon(..., method="approx")``, the default of R's ``wilcox.test``). When every
      difference is zero the test has nothing to rank and the p-value is 1. ``wilcoxon_method`` says which:
      ``"exact"``, ``"normal"`` or ``"none"``.
    - ``hedges_g``: the standardised mean change for paired data, Cohen's d_z = mean(d) / sd(d) (sd with
      n - 1) multiplied by Hedges' small-sample correction J = 1 - 3 / (4·df - 1), df = n - 1
      (Borenstein, Hedges, Higgins & Rothstein 2009, *Introduction to Meta-Analysis*, eq. 4.24 and
      4.28 with the standardiser of the differences). It is 0 when every difference is the same and zero,
      and infinite in sign of the change when every difference is the same and not zero.

    Needs at least two pairs; ``before`` and ``after`` must have the same length and only finite numbers. The
    result depends on the pairs, not on their order (they are put in one order first).
    """
    from scipy import stats

    x = _finite_vector("before", before, minimum=2)
    y = _finite_vector("after", after, minimum=2)
    if len(x) != len(y):
        raise ValueError(f"before and after must pair up: {len(x)} values before, {len(y)} after.")
    # The pairs in one order (by before, then after), so that the same pairs give the same result to the last bit
    # whatever order they come in (sums of floating-point numbers depend on their order).
    order = np.lexsort((y, x))
    x, y = x[order], y[order]
    d = np.round(y - x, DIFFERENCE_DECIMALS)
    n = len(d)
    mean = float(d.mean())
    sd = float(d.std(ddof=1))

    if sd == 0.0:
        # Every pair changed by the same amount: no spread, so t and its interval are degenerate.
        t_p = 1.0 if mean == 0.0 else 0.0
        ci_low = ci_high = mean
    else:
        result = stats.ttest_1samp(d, 0.0)  # ttest_rel(after, before), on the rounded differences
        interval = result.confidence_interval(0.95)
        t_p = float(result.pvalue)
        ci_low, ci_high = float(interval.low), float(interval.high)

    nonzero = d[d != 0]
    if len(nonzero) == 0:
        w_p, w_method = 1.0, "none"
    elif len(nonzero) <= EXACT_WILCOXON_MAX:
        w_p, w_method = wilcoxon_exact_p(nonzero), "exact"
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scipy warns about ties under the normal approximation
            w = stats.wilcoxon(d, zero_method="wilcox", correction=True, method="approx")
        w_p, w_method = float(w.pvalue), "normal"

    if sd == 0.0:
        g = 0.0 if mean == 0.0 else math.copysign(math.inf, mean)
    else:
        df = n - 1
        g = (mean / sd) * (1 - 3 / (4 * df - 1))
    return PairedChange(
        n=n,
        mean_difference=mean,
        ci_low=ci_low,
        ci_high=ci_high,
        t_p_value=t_p,
        wilcoxon_p_value=w_p,
        hedges_g=float(g),
        wilcoxon_method=w_method,
    )


# --- two groups, one event ----------------------------------------------------------------------------------


def _fisher_p(table: np.ndarray) -> float:
    from scipy import stats

    return float(stats.fisher_exact(table.astype(int), alternative="two-sided").pvalue)


def risk_ratio(events_a: int, n_a: int, events_b: int, n_b: int) -> RatioEstimate:
    """Risk in group a over risk in group b: (events_a / n_a) / (events_b / n_b).

    95% confidence interval on the log scale (Katz et al. 1978): exp(log RR ± 1.96·SE) with
    SE = sqrt(1/events_a - 1/n_a + 1/events_b - 1/n_b), from
    ``statsmodels.stats.contingency_tables.Table2x2(..., shift_zeros=False).riskratio_confint``.
    ``p_value``: two-sided Fisher exact test of the 2x2 table (``scipy.stats.fisher_exact``).
    Raises ``ValueError`` when a group has no events (the ratio or its interval is then undefined).
    """
    table = _two_groups(events_a, n_a, events_b, n_b)
    if table[0, 0] == 0 or table[1, 0] == 0:
        raise ValueError("A risk ratio needs at least one event in each group.")
    from statsmodels.stats.contingency_tables import Table2x2

    t = Table2x2(table, shift_zeros=False)
    low, high = t.riskratio_confint(alpha=0.05)
    return RatioEstimate(estimate=float(t.riskratio), ci_low=float(low), ci_high=float(high), p_value=_fisher_p(table))


def odds_ratio(events_a: int, n_a: int, events_b: int, n_b: int) -> RatioEstimate:
    """Sample (unconditional) odds ratio (a·d)/(b·c) of the 2x2 table
    [[events_a, n_a - events_a], [events_b, n_b - events_b]].

    95% confidence interval by Woolf's method: exp(log OR ± 1.96·sqrt(1/a + 1/b + 1/c + 1/d)), from
    ``statsmodels.stats.contingency_tables.Table2x2(..., shift_zeros=False).oddsratio_confint``.
    ``p_value``: two-sided Fisher exact test (``scipy.stats.fisher_exact``). This is not R's conditional
    maximum-likelihood odds ratio (``fisher.test``'s estimate). Raises ``ValueError`` when a cell is zero.
    """
    table = _two_groups(events_a, n_a, events_b, n_b)
    if np.any(table == 0):
        raise ValueError("An odds ratio with Woolf's interval needs every cell of the 2x2 table above zero.")
    from statsmodels.stats.contingency_tables import Table2x2

    t = Table2x2(table, shift_zeros=False)
    low, high = t.oddsratio_confint(alpha=0.05, method="normal")
    return RatioEstimate(estimate=float(t.oddsratio), ci_low=float(low), ci_high=float(high), p_value=_fisher_p(table))


# --- time to event ------------------------------------------------------------------------------------------


def kaplan_meier(durations: Numbers, events: Numbers) -> SurvivalCurve:
    """Kaplan-Meier estimate of the share still without the event, ``lifelines.KaplanMeierFitter``.

    ``times`` are the distinct observed times (from 0, which lifelines always includes, with survival 1),
    ``survival`` the product-limit estimate just after each, and the 95% pointwise interval is lifelines'
    default: Greenwood's variance on the log(-log) scale ("exponential Greenwood", Kalbfleisch & Prentice),
    which stays inside [0, 1]. ``median``: the first time the estimate falls to 0.5 or below (lifelines'
    ``median_survival_time_``), or ``None`` when it never does.
    """
    t = _durations("durations", durations)
    e = _events("events", events, len(t))
    from lifelines import KaplanMeierFitter

    fitter = KaplanMeierFitter(alpha=0.05).fit(t, event_observed=e)
    survival = fitter.survival_function_.iloc[:, 0]
    interval = fitter.confidence_interval_survival_function_
    median = float(fitter.median_survival_time_)
    return SurvivalCurve(
        times=tuple(float(x) for x in survival.index),
        survival=tuple(float(x) for x in survival.to_numpy()),
        ci_low=tuple(float(x) for x in interval.iloc[:, 0].fillna(1.0).to_numpy()),
        ci_high=tuple(float(x) for x in interval.iloc[:, 1].fillna(1.0).to_numpy()),
        median=None if math.isinf(median) else median,
    )


def logrank(durations_a: Numbers, events_a: Numbers, durations_b: Numbers, events_b: Numbers) -> LogRank:
    """Two-sample log-rank (Mantel-Cox) test, unweighted: ``lifelines.statistics.logrank_test``.

    ``chi2`` is (O - E)² / V with the hypergeometric variance (as R's ``survdiff`` with ``rho = 0``), on one
    degree of freedom; ``p_value`` its upper tail.
    """
    ta = _durations("durations_a", durations_a)
    tb = _durations("durations_b", durations_b)
    ea = _events("events_a", events_a, len(ta))
    eb = _events("events_b", events_b, len(tb))
    from lifelines.statistics import logrank_test

    result = logrank_test(ta, tb, event_observed_A=ea, event_observed_B=eb)
    return LogRank(chi2=float(result.test_statistic), p_value=float(result.p_value))


# --- meta-analysis ------------------------------------------------------------------------------------------


def meta_analysis(effects: Sequence[Number], variances: Sequence[Number], method: str = "DL") -> MetaAnalysis:
    """Random-effects meta-analysis, ``statsmodels.stats.meta_analysis.combine_effects``.

    ``method="DL"`` (the only one offered): DerSimonian & Laird (1986) method-of-moments τ², truncated at 0
    (``method_re="dl"``); the pooled ``estimate`` weights each study by 1 / (vᵢ + τ²); ``se`` and the 95%
    interval are Wald (normal) ones, as ``metafor::rma(method="DL")``. ``q`` is Cochran's Q from the
    fixed-effect weights; ``i2`` is Higgins & Thompson's I² = max(0, (Q - (k - 1)) / Q), a fraction from 0
    to 1. Needs at least two studies and variances above zero.
    """
    if method != "DL":
        raise ValueError(f"Unknown method {method!r}: only 'DL' (DerSimonian-Laird) is offered.")
    y = _finite_vector("effects", effects, minimum=2)
    v = _finite_vector("variances", variances, minimum=2)
    if len(y) != len(v):
        raise ValueError(f"effects and variances must pair up: {len(y)} effects, {len(v)} variances.")
    if np.any(v <= 0):
        raise ValueError("variances must all be above zero.")
    from scipy.stats import norm
    from statsmodels.stats.meta_analysis import combine_effects

    res = combine_effects(y, v, method_re="dl", use_t=False)
    q = float(res.q)
    k = len(y)
    i2 = 0.0 if q <= 0 else min(1.0, max(0.0, (q - (k - 1)) / q))
    # statsmodels returns the untruncated moment estimate (q - df) / c, which can be negative; DerSimonian and
    # Laird truncate it at zero, and with τ² = 0 the random-effects weights are the fixed-effect ones.
    tau2 = float(res.tau2)
    if tau2 > 0:
        estimate, se = float(res.mean_effect_re), float(res.sd_eff_w_re)
    else:
        tau2, estimate, se = 0.0, float(res.mean_effect_fe), float(res.sd_eff_w_fe)
    z = float(norm.ppf(0.975))
    return MetaAnalysis(
        estimate=estimate,
        se=se,
        ci_low=estimate - z * se,
        ci_high=estimate + z * se,
        tau2=tau2,
        q=q,
        i2=i2,
    )

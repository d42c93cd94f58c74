"""reparo.analytics.privacy: the noise is the discrete Laplace noise its ε promises — centred on the true count and
with the spread of scale 1/ε — checked empirically over many draws (OpenDP draws from the operating system's
secure random source and takes no seed).

How reliable: each check allows 6 standard errors of its estimate (computed from the exact distribution), so with
N = 40 000 draws (where the estimates are very nearly normal) one check fails by chance about twice in a billion
runs. At N = 40 000 the variance check still tells ε apart from an ε 10 % larger or smaller (that would be 9 or more
standard errors away), so a wrong scale does not pass.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from reparo.analytics import privacy

N = 40_000
K = 6.0  # standard errors allowed


def _moments(epsilon: float, sensitivity: int = 1) -> tuple[float, float]:
    """Variance and fourth central moment of discrete Laplace noise of scale sensitivity/ε, from its mass function."""
    q = math.exp(-epsilon / sensitivity)
    x = np.arange(-4000, 4001, dtype=float)
    pmf = (1 - q) / (1 + q) * q ** np.abs(x)
    return float(np.sum(pmf * x**2)), float(np.sum(pmf * x**4))


def _draws(epsilon: float, true: int = 7) -> np.ndarray:
    noisy = privacy.noisy_counts({f"cell{i}": true for i in range(N)}, epsilon=epsilon)
    return np.array(list(noisy.values()), dtype=float) - true


@pytest.mark.parametrize("epsilon", [1.0, 0.25])
def test_it_is_unbiased_and_its_spread_matches_its_epsilon(epsilon: float) -> None:
    noise = _draws(epsilon)
    variance, fourth = _moments(epsilon)
    assert variance == pytest.approx(2 * math.exp(-epsilon) / (1 - math.exp(-epsilon)) ** 2, rel=1e-9)
    assert abs(noise.mean()) <= K * math.sqrt(variance / N)
    assert abs(noise.var(ddof=1) - variance) <= K * math.sqrt((fourth - variance**2) / N)
    # and not the spread of another ε (10 % either way is further than the tolerance allows)
    for other in (epsilon * 0.9, epsilon * 1.1):
        assert abs(_moments(other)[0] - variance) > K * math.sqrt((fourth - variance**2) / N)


def test_its_95_percent_margin_holds_95_percent_of_the_time() -> None:
    epsilon = 0.5
    margin = privacy.noise_margin(epsilon)
    q = math.exp(-epsilon)
    inside = 1 - 2 * q ** (margin + 1) / (1 + q)  # exact P(|noise| <= margin)
    assert inside >= 0.95 > 1 - 2 * q**margin / (1 + q)  # the smallest such margin
    share = float(np.mean(np.abs(_draws(epsilon)) <= margin))
    assert abs(share - inside) <= K * math.sqrt(inside * (1 - inside) / N)


def test_it_returns_raw_integers_that_can_be_negative() -> None:
    noisy = privacy.noisy_counts({str(i): 0 for i in range(200)}, epsilon=0.5)
    assert all(isinstance(v, int) for v in noisy.values())
    assert min(noisy.values()) < 0  # P(no negative in 200 draws at ε 0.5) < 1e-30
    assert privacy.shown(-3) == 0 and privacy.shown(5) == 5


def test_it_keeps_the_cells_it_was_given() -> None:
    assert list(privacy.noisy_counts({"b": 3, "a": 0}, epsilon=1.0)) == ["b", "a"]
    assert privacy.noisy_counts({}, epsilon=1.0) == {}


@pytest.mark.parametrize(
    ("counts", "epsilon"),
    [({"a": -1}, 1.0), ({"a": 1.5}, 1.0), ({"a": True}, 1.0), ({"a": 1}, 0.0), ({"a": 1}, -1.0),
     ({"a": 1}, float("nan")), ({"a": 1}, 100.0), ({"a": 1}, "1")],
)  # fmt: skip
def test_it_refuses_what_is_not_a_histogram_or_not_an_epsilon(counts: dict, epsilon: object) -> None:
    with pytest.raises(ValueError):
        privacy.noisy_counts(counts, epsilon=epsilon)  # type: ignore[arg-type]


def test_the_noisy_sum_clamps_each_value_and_scales_its_noise_to_the_bound() -> None:
    # Far more noise is needed for a sum whose values may each move it by 100: scale 100/ε.
    draws = np.array([privacy.noisy_sum([500, -500, 30], bound=100, epsilon=5.0) for _ in range(400)], dtype=float)
    variance, fourth = _moments(5.0, sensitivity=100)
    assert abs(draws.mean() - 30) <= K * math.sqrt(variance / 400)  # clamped: 100 - 100 + 30
    assert abs(draws.var(ddof=1) - variance) <= K * math.sqrt((fourth - variance**2) / 400)
    assert privacy.noise_margin(5.0, sensitivity=100) == privacy.noise_margin(0.05)

"""Differential privacy for public numbers, with OpenDP (``opendp``, decision 0063).

One mechanism: :func:`noisy_counts` adds discrete Laplace (two-sided geometric) noise to each cell of a histogram in
which each person is in at most one cell, so that adding or removing one person changes the whole histogram by at
most 1 in L1 distance, and the release is ε-differentially private (pure DP, OpenDP's ``make_laplace`` on a vector
of integers with the ``l1_distance`` metric; OpenDP samples the noise exactly, from the operating system's secure
random source, so there is no seed). :func:`noisy_sum` does the same for a sum of per-person values, each clamped to
``[-bound, bound]`` first (OpenDP's clamp and sum, so one person moves it by at most ``bound``).

The results are the raw noisy integers: they may be negative or exceed a total. Rounding a negative count up to 0
for display (:func:`shown`) is post-processing and costs no privacy; it is never done to the stored numbers, which
stay unbiased.

:func:`noise_margin` is how far a published number may be from the true one 95 times out of 100 (the half-width of
the central interval of the noise), which the release page states in plain words next to each table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

__all__ = ["MAX_EPSILON", "MIN_EPSILON", "noise_margin", "noisy_counts", "noisy_sum", "shown"]

# The smallest and largest ε one statistic may be made with. Below 0.001 the noise drowns every count; above 10
# the "privacy" is a formality.
MIN_EPSILON = 0.001
MAX_EPSILON = 10.0


@cache
def _dp() -> Any:
    import opendp.prelude as dp

    dp.enable_features("contrib")  # make_laplace and the transformations are in OpenDP's "contrib" set
    return dp


def _check_epsilon(epsilon: float) -> float:
    if isinstance(epsilon, bool) or not isinstance(epsilon, int | float):
        raise ValueError(f"epsilon must be a number, got {epsilon!r}.")
    value = float(epsilon)
    if not (math.isfinite(value) and MIN_EPSILON <= value <= MAX_EPSILON):
        raise ValueError(f"epsilon must be between {MIN_EPSILON} and {MAX_EPSILON}, got {epsilon!r}.")
    return value


def _scale_for(epsilon: float, sensitivity: int) -> float:
    """The noise scale that gives ε for ``sensitivity``, nudged up if floating point would make OpenDP's own
    privacy map report a hair more than ε."""
    return math.nextafter(sensitivity / epsilon, math.inf)


def _laplace(input_space: tuple[Any, Any], *, epsilon: float, sensitivity: int) -> Any:
    dp = _dp()
    scale = _scale_for(epsilon, sensitivity)
    for _attempt in range(8):
        measurement = dp.m.make_laplace(*input_space, scale=scale)
        if measurement.check(sensitivity, epsilon):
            return measurement
        scale = math.nextafter(scale, math.inf) * (1 + 1e-12)
    raise RuntimeError("OpenDP would not certify the requested epsilon.")  # pragma: no cover


def noisy_counts(counts: Mapping[str, int], *, epsilon: float) -> dict[str, int]:
    """Each count with discrete Laplace noise of scale 1/ε added: ε-differentially private when each person is in
    at most one cell (then one person changes the histogram by at most 1 in L1 distance).

    Returns the raw noisy integers, keyed as given; they can be negative. Raises ``ValueError`` for a count that is
    not a whole number of at least 0, or an ε outside [MIN_EPSILON, MAX_EPSILON]."""
    eps = _check_epsilon(epsilon)
    keys = list(counts)
    values = []
    for key in keys:
        value = counts[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"counts[{key!r}] must be a whole number of at least 0, got {value!r}.")
        values.append(int(value))
    if not keys:
        return {}
    dp = _dp()
    space = (dp.vector_domain(dp.atom_domain(T="i64")), dp.l1_distance(T="i64"))
    measurement = _laplace(space, epsilon=eps, sensitivity=1)
    noisy = measurement(values)
    return {key: int(v) for key, v in zip(keys, noisy, strict=True)}


def noisy_sum(values: Sequence[int], *, bound: int, epsilon: float) -> int:
    """The sum of per-person whole numbers, each clamped to ``[-bound, bound]``, with discrete Laplace noise of scale
    bound/ε: ε-differentially private when each person gives at most one value (adding or removing one moves the
    clamped sum by at most ``bound``). Built in OpenDP as clamp, then sum, then Laplace."""
    eps = _check_epsilon(epsilon)
    if isinstance(bound, bool) or not isinstance(bound, int) or bound < 1:
        raise ValueError(f"bound must be a whole number of at least 1, got {bound!r}.")
    numbers = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"values must be whole numbers, got {value!r}.")
        numbers.append(int(value))
    dp = _dp()
    space = (dp.vector_domain(dp.atom_domain(T="i64")), dp.symmetric_distance())
    clamped_sum = space >> dp.t.then_clamp((-bound, bound)) >> dp.t.then_sum()
    measurement = None
    scale = _scale_for(eps, bound)
    for _attempt in range(8):
        measurement = clamped_sum >> dp.m.then_laplace(scale=scale)
        if measurement.check(1, eps):
            break
        scale = math.nextafter(scale, math.inf) * (1 + 1e-12)
    else:  # pragma: no cover
        raise RuntimeError("OpenDP would not certify the requested epsilon.")
    return int(measurement(numbers))


def noise_margin(epsilon: float, *, sensitivity: int = 1, level: float = 0.95) -> int:
    """The smallest whole number ``a`` such that the noise :func:`noisy_counts` (or :func:`noisy_sum` with ``bound``
    = ``sensitivity``) adds is between -a and +a with probability at least ``level``.

    The noise is discrete Laplace with scale t = sensitivity/ε: P(X = x) = (1 - q)/(1 + q) · q^|x|, q = e^(-1/t),
    so P(|X| > a) = 2 q^(a+1) / (1 + q)."""
    eps = _check_epsilon(epsilon)
    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1.")
    q = math.exp(-eps / sensitivity)
    # smallest a with 2 q^(a+1) / (1 + q) <= 1 - level
    bound = math.log((1 - level) * (1 + q) / 2) / math.log(q) - 1
    a = max(0, math.ceil(bound - 1e-9))
    while a > 0 and 2 * q**a / (1 + q) <= 1 - level:  # a - 1 would do: keep the smallest
        a -= 1
    return a


def shown(value: int) -> int:
    """A noisy count as shown to readers: never below zero (post-processing; the stored number keeps its sign)."""
    return max(0, value)

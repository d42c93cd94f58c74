"""Scoring exactly as published: every instrument, reverse keying by item id, subscales, bands, cut-offs,
missing-answer rules and invalid input."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reparo.evaluation.catalogue import ALL_CODES, SCORED_CODES, instrument
from reparo.evaluation.scoring import ScoreResult, score

N_ITEMS = {"who5": 5, "rses": 10, "mspss": 12, "pcl5": 20, "k10": 10, "k6": 6}
RANGES = {"who5": (0, 5), "rses": (0, 3), "mspss": (1, 7), "pcl5": (0, 4), "k10": (1, 5), "k6": (0, 4)}


def all_answers(code: str, value: int) -> dict[str, int | None]:
    return {f"{code}_{n}": value for n in range(1, N_ITEMS[code] + 1)}


def answers(code: str, *values: int | None) -> dict[str, int | None]:
    assert len(values) == N_ITEMS[code]
    return {f"{code}_{n}": v for n, v in enumerate(values, start=1)}


# --- the data files ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ALL_CODES)
def test_it_records_source_licence_texts_options_and_missing_rule_for_every_instrument(code):
    spec = instrument(code)
    for key in ("source", "licence", "response_options", "items", "reverse_keyed", "subscales", "bands", "missing"):
        assert key in spec.spec, f"{code} lacks {key}"
    assert spec.spec["missing"]["rule"] and spec.spec["missing"]["source"]
    for item in spec.spec["items"]:
        assert item["text"]["en"].strip() and item["text"]["es"].strip()
    for option in spec.spec["response_options"]:
        assert option["label"]["en"].strip() and option["label"]["es"].strip()
    if code in SCORED_CODES:
        assert spec.item_ids == [f"{code}_{n}" for n in range(1, N_ITEMS[code] + 1)]
        assert (min(spec.option_values), max(spec.option_values)) == RANGES[code]
        assert spec.validated
    else:
        assert not spec.validated


def test_it_keeps_the_rosenberg_order_that_begins_with_satisfied_with_myself():
    spec = instrument("rses")
    assert spec.items[0].text["en"] == "On the whole, I am satisfied with myself."
    assert spec.spec["reverse_keyed"] == ["rses_2", "rses_5", "rses_6", "rses_8", "rses_9"]
    assert "no good at all" in spec.items[1].text["en"]


def test_it_gives_item_texts_in_the_language_asked():
    assert instrument("who5").items[0].label("es") == "Me he sentido alegre y de buen humor"
    assert instrument("who5").items[0].label("en") == "I have felt cheerful and in good spirits"


def test_it_returns_a_frozen_result():
    result = score("k6", all_answers("k6", 0))
    assert isinstance(result, ScoreResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.total = 3  # type: ignore[misc]


# --- WHO-5 ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "total", "percentage", "band"),
    [
        ((0, 0, 0, 0, 0), 0, 0, "likely_depression"),
        ((2, 2, 1, 1, 1), 7, 28, "likely_depression"),
        ((2, 2, 2, 1, 1), 8, 32, "poor_wellbeing"),
        ((3, 3, 2, 2, 2), 12, 48, "poor_wellbeing"),
        ((3, 3, 3, 2, 2), 13, 52, "adequate"),
        ((5, 5, 5, 5, 5), 25, 100, "adequate"),
    ],
)
def test_it_scores_who5_raw_percentage_and_bands(values, total, percentage, band):
    result = score("who5", answers("who5", *values))
    assert result.total == total
    assert result.extra["percentage"] == percentage
    assert result.band == band
    assert result.subscales == {}


# --- Rosenberg -----------------------------------------------------------------------------------------------


def test_it_reverse_keys_rosenberg_items_2_5_6_8_9_by_id():
    # Strongly agree (3) with every positive item and strongly disagree (0) with every negative one: 30.
    best = {f"rses_{n}": (0 if n in (2, 5, 6, 8, 9) else 3) for n in range(1, 11)}
    assert score("rses", best).total == 30
    worst = {f"rses_{n}": (3 if n in (2, 5, 6, 8, 9) else 0) for n in range(1, 11)}
    assert score("rses", worst).total == 0
    # Same answers given in another key order: keyed by id, not by position.
    assert score("rses", dict(reversed(list(best.items())))).total == 30


def test_it_counts_strongly_agree_with_no_good_at_all_as_zero():
    base = {f"rses_{n}": (0 if n in (2, 5, 6, 8, 9) else 3) for n in range(1, 11)}
    assert score("rses", {**base, "rses_2": 3}).total == 27
    assert score("rses", {**base, "rses_1": 0}).total == 27


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "low"), (14, "low"), (15, "normal"), (25, "normal"), (26, "above_normal"), (30, "above_normal")],
)
def test_it_bands_rosenberg(total, band):
    # Build a response with the wanted total: positive items first, then negative items (reverse keyed).
    positive, negative = [1, 3, 4, 7, 10], [2, 5, 6, 8, 9]
    values: dict[str, int | None] = {}
    remaining = total
    for n in positive:
        values[f"rses_{n}"] = min(3, remaining)
        remaining -= values[f"rses_{n}"] or 0
    for n in negative:
        points = min(3, remaining)
        values[f"rses_{n}"] = 3 - points
        remaining -= points
    result = score("rses", values)
    assert result.total == total
    assert result.band == band


def test_all_strongly_agree_scores_fifteen_on_rosenberg():
    assert score("rses", all_answers("rses", 3)).total == 15
    assert score("rses", all_answers("rses", 0)).total == 15


# --- MSPSS ---------------------------------------------------------------------------------------------------


def test_it_scores_mspss_subscales_as_means_of_their_items():
    values = {f"mspss_{n}": 1 for n in range(1, 13)}
    for n in (1, 2, 5, 10):
        values[f"mspss_{n}"] = 7  # significant other
    for n, v in zip((3, 4, 8, 11), (2, 3, 4, 5), strict=True):
        values[f"mspss_{n}"] = v  # family
    for n in (6, 7, 9, 12):
        values[f"mspss_{n}"] = 1  # friends
    result = score("mspss", values)
    assert result.subscales == {"significant_other": 7.0, "family": 3.5, "friends": 1.0}
    assert result.total == pytest.approx((28 + 14 + 4) / 12)
    assert result.band == "moderate"


@pytest.mark.parametrize(
    ("value", "band"), [(1, "low"), (2, "low"), (3, "moderate"), (5, "moderate"), (6, "high"), (7, "high")]
)
def test_it_bands_the_mspss_total_mean(value, band):
    assert score("mspss", all_answers("mspss", value)).band == band


def test_a_mspss_mean_just_below_three_is_low_and_just_above_five_is_high():
    low = all_answers("mspss", 3)
    low["mspss_1"] = 2  # mean 35/12 = 2.9167
    assert score("mspss", low).band == "low"
    high = all_answers("mspss", 5)
    high["mspss_1"] = 6  # mean 61/12 = 5.083
    assert score("mspss", high).band == "high"


# --- PCL-5 ---------------------------------------------------------------------------------------------------


def pcl(**endorsed: int) -> dict[str, int | None]:
    """Items rated 2 where listed (``B=1`` endorses the first B item, …), 1 elsewhere."""
    clusters = {"B": range(1, 6), "C": range(6, 8), "D": range(8, 15), "E": range(15, 21)}
    values: dict[str, int | None] = {f"pcl5_{n}": 1 for n in range(1, 21)}
    for name, count in endorsed.items():
        for n in list(clusters[name])[:count]:
            values[f"pcl5_{n}"] = 2
    return values


def test_it_sums_the_pcl5_clusters_and_total():
    values = {f"pcl5_{n}": n % 5 for n in range(1, 21)}
    result = score("pcl5", values)
    assert result.subscales == {
        "B": 1 + 2 + 3 + 4 + 0,
        "C": 1 + 2,
        "D": 3 + 4 + 0 + 1 + 2 + 3 + 4,
        "E": 0 + 1 + 2 + 3 + 4 + 0,
    }
    assert result.total == sum(result.subscales.values()) == 40
    assert result.band is None


def test_it_makes_a_provisional_ptsd_diagnosis_with_1_b_1_c_2_d_2_e():
    assert score("pcl5", pcl(B=1, C=1, D=2, E=2)).extra["provisional_ptsd"] is True


@pytest.mark.parametrize("short", [{"B": 0, "C": 1, "D": 2, "E": 2}, {"B": 1, "C": 0, "D": 2, "E": 2},
                                   {"B": 1, "C": 1, "D": 1, "E": 2}, {"B": 1, "C": 1, "D": 2, "E": 1}])  # fmt: skip
def test_it_withholds_the_provisional_diagnosis_when_a_cluster_falls_short(short):
    assert score("pcl5", pcl(**short)).extra["provisional_ptsd"] is False


def test_ratings_of_one_are_not_endorsed_even_with_a_high_total():
    result = score("pcl5", all_answers("pcl5", 1))
    assert result.total == 20
    assert result.extra["provisional_ptsd"] is False
    assert result.extra["endorsed"] == {"B": 0, "C": 0, "D": 0, "E": 0}


def test_it_records_the_31_to_33_cut_off():
    values = all_answers("pcl5", 1)
    for n in range(1, 12):
        values[f"pcl5_{n}"] = 2  # total 31
    result = score("pcl5", values)
    assert result.total == 31
    assert result.extra["cutoff_range"] == [31, 33]
    assert result.extra["at_or_above_cutoff_low"] is True
    assert result.extra["at_or_above_cutoff_high"] is False
    values["pcl5_12"] = 3
    values["pcl5_13"] = 3
    assert score("pcl5", values).extra["at_or_above_cutoff_high"] is True
    assert score("pcl5", all_answers("pcl5", 1)).extra["at_or_above_cutoff_low"] is False


# --- K10 and K6 ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band"),
    [(10, "low"), (15, "low"), (16, "moderate"), (21, "moderate"), (22, "high"), (29, "high"), (30, "very_high"),
     (50, "very_high")],
)  # fmt: skip
def test_it_bands_k10_by_the_australian_groupings(total, band):
    values = all_answers("k10", 1)
    extra = total - 10
    for n in range(1, 11):
        step = min(4, extra)
        values[f"k10_{n}"] = 1 + step
        extra -= step
    result = score("k10", values)
    assert result.total == total
    assert result.band == band
    assert result.extra == {"missing_items": 0, "prorated": False}


def test_it_prorates_k10_with_one_or_two_missing_items():
    values = all_answers("k10", 2)
    values["k10_3"] = None
    one = score("k10", values)
    assert one.total == 20.0 and one.extra == {"missing_items": 1, "prorated": True}
    values = all_answers("k10", 3)
    values["k10_1"] = 5
    del values["k10_2"]
    values["k10_9"] = None  # 8 answered: 5 + 7 * 3 = 26 → 26 * 10 / 8 = 32.5
    two = score("k10", values)
    assert two.total == 32.5
    assert two.band == "very_high"


def test_it_rounds_a_prorated_k10_total_to_one_decimal():
    values = all_answers("k10", 1)
    values["k10_1"] = 2
    values["k10_10"] = None  # 10 / 9 * 10 = 11.11…
    assert score("k10", values).total == 11.1


def test_it_refuses_k10_with_three_missing_items():
    values = all_answers("k10", 2)
    for n in (1, 5, 9):
        values[f"k10_{n}"] = None
    with pytest.raises(ValueError, match=r"k10_1, k10_5, k10_9: missing"):
        score("k10", values)


@pytest.mark.parametrize(("total", "serious"), [(0, False), (12, False), (13, True), (24, True)])
def test_it_flags_k6_serious_distress_at_13(total, serious):
    values = all_answers("k6", 0)
    remaining = total
    for n in range(1, 7):
        values[f"k6_{n}"] = min(4, remaining)
        remaining -= values[f"k6_{n}"] or 0
    result = score("k6", values)
    assert result.total == total
    assert result.extra["serious_distress"] is serious
    assert result.band == ("serious_distress" if serious else "below_threshold")


# --- missing answers and invalid input -----------------------------------------------------------------------


@pytest.mark.parametrize("code", ["who5", "rses", "mspss", "pcl5", "k6"])
def test_it_refuses_any_missing_item_where_no_rule_allows_one(code):
    low = RANGES[code][0]
    values = all_answers(code, low)
    values[f"{code}_2"] = None
    with pytest.raises(ValueError, match=rf"{code}_2: missing"):
        score(code, values)
    del values[f"{code}_2"]
    with pytest.raises(ValueError, match=rf"{code}_2: missing"):
        score(code, values)


@pytest.mark.parametrize("code", SCORED_CODES)
def test_it_refuses_values_out_of_range_naming_the_item(code):
    low, high = RANGES[code]
    for bad in (low - 1, high + 1):
        values = all_answers(code, low)
        values[f"{code}_3"] = bad
        with pytest.raises(ValueError, match=rf"{code}_3: {bad} is out of range"):
            score(code, values)


@pytest.mark.parametrize("bad", [True, False, 2.0, "2", [2]])
def test_it_refuses_answers_that_are_not_whole_numbers(bad):
    values = all_answers("k6", 1)
    values["k6_4"] = bad
    with pytest.raises(ValueError, match=r"k6_4: the answer must be a whole number"):
        score("k6", values)


def test_it_refuses_unknown_items_and_unknown_instruments():
    with pytest.raises(ValueError, match=r"'k6_7': unknown item"):
        score("k6", {**all_answers("k6", 1), "k6_7": 1})
    with pytest.raises(ValueError, match=r"'who5_1': unknown item"):
        score("k6", {**all_answers("k6", 1), "who5_1": 1})
    with pytest.raises(ValueError, match="not a scored instrument"):
        score("phq9", {})
    with pytest.raises(ValueError, match="not a scored instrument"):
        score("satisfaction", {})


# --- properties ----------------------------------------------------------------------------------------------


@st.composite
def complete(draw, code):
    low, high = RANGES[code]
    return {f"{code}_{n}": draw(st.integers(low, high)) for n in range(1, N_ITEMS[code] + 1)}


@given(st.sampled_from(SCORED_CODES).flatmap(lambda c: st.tuples(st.just(c), complete(c))))
def test_totals_stay_within_the_published_range_and_bands_cover_them(case):
    code, values = case
    result = score(code, values)
    low, high = instrument(code).spec["scoring"]["range"]
    assert low <= result.total <= high
    if instrument(code).spec["bands"]:
        assert result.band is not None


@given(complete("rses"))
def test_rosenberg_equals_the_hand_sum_with_reverse_keying(values):
    expected = sum((3 - v) if k in {"rses_2", "rses_5", "rses_6", "rses_8", "rses_9"} else v for k, v in values.items())
    assert score("rses", values).total == expected


@given(complete("pcl5"))
def test_pcl5_diagnosis_matches_the_dsm5_rule(values):
    def endorsed(items):
        return sum(1 for n in items if values[f"pcl5_{n}"] >= 2)

    expected = (
        endorsed(range(1, 6)) >= 1
        and endorsed(range(6, 8)) >= 1
        and endorsed(range(8, 15)) >= 2
        and (endorsed(range(15, 21)) >= 2)
    )
    assert score("pcl5", values).extra["provisional_ptsd"] is expected


@given(
    st.sampled_from(SCORED_CODES).flatmap(
        lambda c: st.tuples(
            st.just(c),
            complete(c),
            st.integers(1, N_ITEMS[c]),
            st.integers(-1000, 1000).filter(lambda v, c=c: not RANGES[c][0] <= v <= RANGES[c][1]),
        )
    )
)
def test_any_out_of_range_answer_is_refused_naming_its_item(case):
    code, values, n, bad = case
    values[f"{code}_{n}"] = bad
    with pytest.raises(ValueError, match=rf"^{code}_{n}: {bad} is out of range"):
        score(code, values)

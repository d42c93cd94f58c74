"""Money is exact: Decimal amounts with their currency, stored as whole minor units, added in the database and in
Python alike without a cent lost, and never added across currencies."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reparo.funding import selectors, services
from reparo.funding.models import Category, Grant
from reparo.funding.money import (
    MAX_AMOUNT,
    MINOR_UNITS,
    CurrencyError,
    CurrencyMismatchError,
    Money,
    Totals,
    parse_amount,
)
from tests.funding.factories import funder

CURRENCIES = ["EUR", "JPY", "KWD", "USD"]  # 2, 0, 3 and 2 decimals


def amounts(currency: str, *, largest: int = 10**9) -> st.SearchStrategy[Decimal]:
    """Positive amounts of ``currency`` with exactly the decimals it has."""
    digits = MINOR_UNITS[currency]
    return st.integers(min_value=1, max_value=largest * 10**digits).map(lambda n: Decimal(n).scaleb(-digits))


money_values = st.sampled_from(CURRENCIES).flatmap(lambda c: amounts(c).map(lambda a: Money(a, c)))


@given(st.lists(money_values, max_size=60))
def test_totals_are_exact_sums_kept_apart_per_currency(values):
    totals = Totals(values)
    for currency in CURRENCIES:
        expected = sum((m.amount for m in values if m.currency == currency), Decimal(0))
        assert totals[currency].amount == expected
        assert totals[currency].currency == currency
    assert set(totals.currencies()) == {m.currency for m in values}


@given(money_values, money_values)
def test_two_currencies_are_never_added_or_compared(a, b):
    if a.currency == b.currency:
        assert (a + b).amount == a.amount + b.amount
        assert (a + b - b) == a
        assert (a < b) == (a.amount < b.amount)
    else:
        with pytest.raises(CurrencyMismatchError):
            _ = a + b
        with pytest.raises(CurrencyMismatchError):
            _ = a - b
        with pytest.raises(CurrencyMismatchError):
            _ = a < b


@given(st.sampled_from(CURRENCIES).flatmap(lambda c: st.tuples(st.just(c), st.integers(-(10**15), 10**15))))
def test_minor_units_go_there_and_back_exactly(pair):
    currency, minor = pair
    money = Money.from_minor(minor, currency)
    assert money.minor == minor
    assert money.amount == Decimal(minor).scaleb(-MINOR_UNITS[currency])


def test_money_holds_no_float_and_no_unknown_currency():
    with pytest.raises(TypeError):
        Money(0.1, "EUR")  # type: ignore[arg-type]
    with pytest.raises(CurrencyError):
        Money(Decimal("1"), "EURO")
    with pytest.raises(CurrencyError):
        Money(Decimal("NaN"), "EUR")
    assert str(Money(Decimal("1234567.5"), "EUR")) == "1,234,567.50 EUR"
    assert str(Money.from_minor(1234, "JPY")) == "1,234 JPY"


@pytest.mark.parametrize(
    ("value", "currency", "reason"),
    [("0", "EUR", "not above zero"), ("-1", "EUR", "not above zero"), ("1.001", "EUR", "too many decimals"),
     ("1.5", "JPY", "too many decimals"), ("abc", "EUR", "not a number"), ("Infinity", "EUR", "not a number"),
     (str(MAX_AMOUNT + 1), "EUR", "too large"), ("1e400", "EUR", "too large")],
)  # fmt: skip
def test_it_parses_only_amounts_the_currency_can_hold(value, currency, reason):
    with pytest.raises(CurrencyError) as error:
        parse_amount(value, currency)
    assert error.value.args[0] == reason


line = st.tuples(
    st.sampled_from([0, 1]),  # which grant: EUR or JPY
    st.sampled_from([Category.FACILITATION, Category.TRAVEL, Category.SURVIVOR_SUPPORT]),
    st.integers(min_value=1, max_value=27),  # day in March
    st.integers(min_value=1, max_value=9 * 10**9),  # minor units: up to 90 million EUR, 9 billion JPY
)


@pytest.mark.django_db
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(line, min_size=1, max_size=12),
    allocations=st.lists(st.integers(0, 3 * 10**10), min_size=3, max_size=3),
)
def test_grant_arithmetic_is_exact_and_currencies_stay_apart(world, lines, allocations):
    """Spending recorded through the service, in two grants of different currencies: the budget against actual per
    program and category, the grant totals and the totals per currency equal exact Decimal sums, to the last minor
    unit; nothing of one currency reaches the other's totals."""
    savepoint = transaction.savepoint()
    try:
        f = funder(world, name=f"Funder {uuid.uuid4().hex[:8]}")
        grants = [
            services.grant_create(
                actor=world["org_admin"], funder=f, reference=f"G-{currency}", restricted=False,
                amount=Decimal(10**9), currency=currency, starts_on=datetime.date(2026, 1, 1),
                ends_on=datetime.date(2026, 12, 31),
            )
            for currency in ("EUR", "JPY")
        ]  # fmt: skip
        for category, minor in zip(
            [Category.FACILITATION, Category.TRAVEL, Category.SURVIVOR_SUPPORT], allocations, strict=True
        ):
            amount = Money.from_minor(minor, "EUR").amount
            services.allocation_set(
                actor=world["org_admin"], grant=grants[0], program=world.program, category=category, amount=amount
            )
        expected: dict[tuple[int, str], Decimal] = {}
        for which, category, day, minor in lines:
            g = grants[which]
            amount = Money.from_minor(minor, g.currency).amount
            services.spend_record(
                actor=world["coordinator"], grant=g, program=world.program, category=category,
                spent_on=datetime.date(2026, 3, day), amount=amount, today=datetime.date(2026, 6, 30),
            )  # fmt: skip
            expected[(which, category)] = expected.get((which, category), Decimal(0)) + amount

        for which, g in enumerate(grants):
            g = Grant.objects.get(pk=g.pk)
            b = selectors.budget(g, selectors.Window(g.starts_on, g.ends_on))
            for item in b.lines:
                assert item.spent_to_date.currency == g.currency
                assert item.spent_to_date.amount == expected.get((which, item.category), Decimal(0))
                assert item.remaining.amount == item.budget.amount - item.spent_to_date.amount
            spent = sum((v for (w, _c), v in expected.items() if w == which), Decimal(0))
            assert b.total.spent_to_date.amount == spent
            assert selectors.burn(g, as_of=datetime.date(2026, 12, 31)).remaining.amount == Decimal(10**9) - spent
        allocated = sum((Money.from_minor(m, "EUR").amount for m in allocations), Decimal(0))
        by_currency = {t.currency: t for t in selectors.totals_by_currency(Grant.objects.filter(funder=f))}
        assert set(by_currency) == {"EUR", "JPY"}
        assert by_currency["EUR"].allocated.amount == allocated
        assert by_currency["JPY"].allocated.amount == 0
        for which, currency in enumerate(("EUR", "JPY")):
            spent = sum((v for (w, _c), v in expected.items() if w == which), Decimal(0))
            assert by_currency[currency].spent == Money(spent, currency)
            assert by_currency[currency].amount == Money(Decimal(10**9), currency)
    finally:
        transaction.savepoint_rollback(savepoint)

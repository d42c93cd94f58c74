"""Money: an exact ``Decimal`` amount with its ISO 4217 currency, never a float, and totals kept apart per currency.

Amounts are stored as whole numbers of the currency's minor unit (cents for EUR, yen for JPY, fils for KWD) in a
64-bit integer column next to a three-letter code, so that the database adds them exactly on SQLite and PostgreSQL
alike (SQLite would add a decimal column as binary floating point). In Python they are :class:`Money` values; two
amounts of different currencies are never added, and a total over several currencies is a :class:`Totals`, one
exact sum per currency.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# Active ISO 4217 currency codes and their minor units (digits after the decimal point), without funds codes,
# precious metals and testing codes (none of which a grant is paid in).
MINOR_UNITS: dict[str, int] = {
    "AED": 2, "AFN": 2, "ALL": 2, "AMD": 2, "ANG": 2, "AOA": 2, "ARS": 2, "AUD": 2, "AWG": 2, "AZN": 2,
    "BAM": 2, "BBD": 2, "BDT": 2, "BGN": 2, "BHD": 3, "BIF": 0, "BMD": 2, "BND": 2, "BOB": 2, "BRL": 2,
    "BSD": 2, "BTN": 2, "BWP": 2, "BYN": 2, "BZD": 2, "CAD": 2, "CDF": 2, "CHF": 2, "CLP": 0, "CNY": 2,
    "COP": 2, "CRC": 2, "CUP": 2, "CVE": 2, "CZK": 2, "DJF": 0, "DKK": 2, "DOP": 2, "DZD": 2, "EGP": 2,
    "ERN": 2, "ETB": 2, "EUR": 2, "FJD": 2, "FKP": 2, "GBP": 2, "GEL": 2, "GHS": 2, "GIP": 2, "GMD": 2,
    "GNF": 0, "GTQ": 2, "GYD": 2, "HKD": 2, "HNL": 2, "HTG": 2, "HUF": 2, "IDR": 2, "ILS": 2, "INR": 2,
    "IQD": 3, "IRR": 2, "ISK": 0, "JMD": 2, "JOD": 3, "JPY": 0, "KES": 2, "KGS": 2, "KHR": 2, "KMF": 0,
    "KPW": 2, "KRW": 0, "KWD": 3, "KYD": 2, "KZT": 2, "LAK": 2, "LBP": 2, "LKR": 2, "LRD": 2, "LSL": 2,
    "LYD": 3, "MAD": 2, "MDL": 2, "MGA": 2, "MKD": 2, "MMK": 2, "MNT": 2, "MOP": 2, "MRU": 2, "MUR": 2,
    "MVR": 2, "MWK": 2, "MXN": 2, "MYR": 2, "MZN": 2, "NAD": 2, "NGN": 2, "NIO": 2, "NOK": 2, "NPR": 2,
    "NZD": 2, "OMR": 3, "PAB": 2, "PEN": 2, "PGK": 2, "PHP": 2, "PKR": 2, "PLN": 2, "PYG": 0, "QAR": 2,
    "RON": 2, "RSD": 2, "RUB": 2, "RWF": 0, "SAR": 2, "SBD": 2, "SCR": 2, "SDG": 2, "SEK": 2, "SGD": 2,
    "SHP": 2, "SLE": 2, "SOS": 2, "SRD": 2, "SSP": 2, "STN": 2, "SVC": 2, "SYP": 2, "SZL": 2, "THB": 2,
    "TJS": 2, "TMT": 2, "TND": 3, "TOP": 2, "TRY": 2, "TTD": 2, "TWD": 2, "TZS": 2, "UAH": 2, "UGX": 0,
    "USD": 2, "UYU": 2, "UZS": 2, "VED": 2, "VES": 2, "VND": 0, "VUV": 0, "WST": 2, "XAF": 0, "XCD": 2,
    "XCG": 2, "XOF": 0, "XPF": 0, "YER": 2, "ZAR": 2, "ZMW": 2, "ZWG": 2,
}  # fmt: skip

CURRENCY_CHOICES: list[tuple[str, str]] = [(code, code) for code in sorted(MINOR_UNITS)]

# The largest amount one grant, allocation or spend line may hold, in major units: far above any real grant, and
# far below what a 64-bit sum of many lines in the smallest minor unit could overflow.
MAX_AMOUNT = Decimal("9999999999")


class CurrencyError(ValueError):
    """Not an ISO 4217 code, or an amount with more decimals than its currency has."""


class CurrencyMismatchError(TypeError):
    """Two amounts of different currencies were to be added or compared."""


def minor_units(currency: str) -> int:
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise CurrencyError(currency) from None


def is_currency(code: str) -> bool:
    return code in MINOR_UNITS


@dataclass(frozen=True)
class Money:
    """An exact amount of one currency."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError("Money holds a Decimal, never a float or an int.")
        if not self.amount.is_finite():
            raise CurrencyError("not a finite amount")
        minor_units(self.currency)

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> Money:
        """The amount ``minor`` minor units of ``currency`` make (1234 cents of EUR: 12.34 EUR)."""
        digits = minor_units(currency)
        return cls(Decimal(int(minor)).scaleb(-digits).quantize(Decimal(1).scaleb(-digits)), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls.from_minor(0, currency)

    @property
    def minor(self) -> int:
        """The amount in minor units, exactly; :class:`CurrencyError` if it has more decimals than its currency."""
        scaled = self.amount.scaleb(minor_units(self.currency))
        if scaled != scaled.to_integral_value():
            raise CurrencyError("more decimals than the currency has")
        return int(scaled)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError("Money adds only Money.")
        if other.currency != self.currency:
            raise CurrencyMismatchError(f"{self.currency} and {other.currency} are not added together")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money.from_minor(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money.from_minor(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money.from_minor(-self.minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.minor <= other.minor

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor > other.minor

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.minor >= other.minor

    @property
    def is_negative(self) -> bool:
        return self.amount < 0

    def __str__(self) -> str:
        return f"{format_amount(self)} {self.currency}"

    @property
    def text(self) -> str:
        """The amount without its currency (for a table whose heading names it)."""
        return format_amount(self)


def format_amount(money: Money) -> str:
    """``12,345.60``: grouped thousands, as many decimals as the currency has."""
    return f"{money.amount:,.{minor_units(money.currency)}f}"


def parse_amount(value: object, currency: str, *, field: str = "amount") -> Money:
    """A positive amount of ``currency`` from a form's Decimal (or a string), refusing more decimals than the
    currency has, zero, negatives and anything above :data:`MAX_AMOUNT`. Raises :class:`CurrencyError` with the
    reason in ``args[0]`` (the caller words it for people)."""
    minor_units(currency)
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise CurrencyError("not a number") from None
    if not amount.is_finite():
        raise CurrencyError("not a number")
    if amount <= 0:
        raise CurrencyError("not above zero")
    if amount > MAX_AMOUNT:
        raise CurrencyError("too large")
    digits = minor_units(currency)
    if amount != amount.quantize(Decimal(1).scaleb(-digits), rounding="ROUND_DOWN"):
        raise CurrencyError("too many decimals")
    return Money(amount.quantize(Decimal(1).scaleb(-digits)), currency)


class Totals:
    """Exact sums kept apart per currency: adding EUR to a total never touches its USD."""

    def __init__(self, items: Iterable[Money] = ()) -> None:
        self._minor: dict[str, int] = {}
        for money in items:
            self.add(money)

    def add(self, money: Money) -> None:
        self._minor[money.currency] = self._minor.get(money.currency, 0) + money.minor

    def add_minor(self, minor: int, currency: str) -> None:
        minor_units(currency)
        self._minor[currency] = self._minor.get(currency, 0) + int(minor)

    def __getitem__(self, currency: str) -> Money:
        return Money.from_minor(self._minor.get(currency, 0), currency)

    def currencies(self) -> list[str]:
        return sorted(self._minor)

    def __iter__(self) -> Iterator[Money]:
        return iter([self[c] for c in self.currencies()])

    def __len__(self) -> int:
        return len(self._minor)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Totals) and self._minor == other._minor

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Totals({', '.join(str(m) for m in self)})"

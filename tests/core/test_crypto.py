"""Phone numbers normalised for their blind index: one form (E.164) however they were written."""

import pytest

from reparo.core.crypto import normalise_phone


@pytest.mark.parametrize(
    ("written", "region", "expected"),
    [
        ("07700 900123", "GB", "+447700900123"),
        ("+44 7700 900123", None, "+447700900123"),
        ("+44 7700 900123", "ES", "+447700900123"),  # an international form needs no region
        ("0044 7700 900123", None, "+447700900123"),
        ("+44 (0)20 7946-0018", None, "+442079460018"),
        ("600 111 222", "es", "+34600111222"),
        ("+34 600-111-222", None, "+34600111222"),
    ],
)
def test_it_gives_one_international_form(written, region, expected):
    assert normalise_phone(written, region) == expected


def test_a_national_form_without_a_country_keeps_its_digits():
    assert normalise_phone("07700 900123") == "07700900123"
    assert normalise_phone("12") == "12"
    assert normalise_phone("  ") == ""

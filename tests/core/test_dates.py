import datetime
import zoneinfo

import pytest
from django.utils import dateformat, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from reparo.core import dates
from reparo.core.dates import Writer

LANGUAGES = ["en", "es", "fr", "ar"]
FORMATS = ["j M Y", "j M Y, H:i", "j b Y", "d/m/Y G:i", "j F y", "n-m-d", r"j \d\e F", "D j M Y", "N j, Y P"]
moments = st.datetimes(min_value=datetime.datetime(1900, 1, 1), max_value=datetime.datetime(2200, 12, 31))


@settings(max_examples=300, deadline=None)
@given(moment=moments, language=st.sampled_from(LANGUAGES), aware=st.booleans())
def test_it_writes_days_and_moments_as_djangos_formatter_does(moment, language, aware):
    if aware:
        moment = moment.replace(tzinfo=zoneinfo.ZoneInfo("Europe/Madrid"))
    with translation.override(language):
        write = Writer()
        assert write.moment(moment) == dateformat.format(moment, write.datetime_format)
        assert write.day(moment) == dateformat.format(moment, write.date_format)
        assert write.day(moment.date()) == dateformat.format(moment.date(), write.date_format)
        if not aware:  # dates.moment writes an aware moment in local time first
            assert write.moment(moment) == dates.moment(moment)


@settings(max_examples=200, deadline=None)
@given(moment=moments, language=st.sampled_from(LANGUAGES), fmt=st.sampled_from(FORMATS))
def test_it_writes_any_format_as_djangos_formatter_does(moment, language, fmt):
    with translation.override(language):
        write = Writer()
        write.date_format = write.datetime_format = fmt
        write._date_plan = write._datetime_plan = dates._plan(fmt)
        assert write.moment(moment) == dateformat.format(moment, fmt)
        if not any(part in fmt for part in "GHiP"):
            assert write.day(moment.date()) == dateformat.format(moment.date(), fmt)


def test_it_refuses_a_time_for_a_day_as_django_does():
    write = Writer()
    write.date_format, write._date_plan = "j M Y H:i", dates._plan("j M Y H:i")
    with pytest.raises(TypeError):
        write.day(datetime.date(2026, 12, 6))

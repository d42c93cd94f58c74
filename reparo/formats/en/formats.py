# "6 Dec 2026", "6 Dec 2026, 14:30": the order and the 24-hour clock read the same way everywhere English is used.
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"

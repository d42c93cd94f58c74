# "6 dic 2026", "6 dic 2026, 14:30" (month abbreviations in lower case, as Spanish writes them).
DATE_FORMAT = "j b Y"
DATETIME_FORMAT = "j b Y, H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = r"j \d\e F"
YEAR_MONTH_FORMAT = r"F \d\e Y"

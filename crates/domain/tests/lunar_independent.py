"""The Vietnamese lunar calendar of 1900-2199 by an independent implementation, for lunar_independent.rs.

Uses the PyPI package `vnlunar` (Hồ Ngọc Đức's algorithm, the usual reference for Vietnamese calendars)
in its astronomical mode for UTC+7 (time_zone=7.0): its default mode reads Hồ Ngọc Đức's printed tables,
which follow UTC+8 before 1968, while egov computes UTC+7 for every year.

Prints one record a line:
  V <package> <version>
  M <lunar year> <month> <leap 0|1> <gregorian date of day 1>   every month of every lunar year
  D <gregorian date> <lunar year> <month> <day> <leap 0|1>      the 1st and 15th of every Gregorian month
"""

import datetime
import sys
from importlib.metadata import version

import vnlunar

ZONE = 7.0
FIRST, LAST = 1900, 2199


def iso(dmy):
    d, m, y = dmy
    return f"{y:04}-{m:02}-{d:02}"


def main():
    out = [f"V vnlunar {version('vnlunar')}"]
    for year in range(FIRST, LAST + 1):
        for month in range(1, 13):
            for leap in (0, 1):
                start = vnlunar.convert_lunar_to_solar(1, month, year, leap, ZONE)
                if start is not None:
                    out.append(f"M {year} {month} {leap} {iso(start)}")
        for month in range(1, 13):
            for day in (1, 15):
                lunar = vnlunar.convert_solar_to_lunar(day, month, year, ZONE)
                date = datetime.date(year, month, day).isoformat()
                out.append(f"D {date} {lunar['year']} {lunar['month']} {lunar['day']} {int(bool(lunar['leap']))}")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()

"""Reads an iCalendar feed from stdin with independent implementations, for ical_independent.rs.

Parses it with the PyPI package `icalendar` and expands its recurring events with
`recurring-ical-events` (python-dateutil's rrule underneath) between two dates given as arguments
(YYYY-MM-DD YYYY-MM-DD). Also checks the raw lines against RFC 5545 section 3.1 on its own: CRLF
endings, at most 75 octets a line, no fold inside a UTF-8 character.

Prints one JSON object a line, its "kind" first:
  version     the two packages' versions
  raw         line count, folded lines and the problems found in the raw text
  calendar    calendar properties, and every parse error icalendar recorded in any component
  event       UID, SUMMARY, STATUS, SEQUENCE, DTSTART, DTEND and the other properties of a VEVENT
  occurrence  UID and start of each occurrence between the two dates
"""

import datetime
import json
import sys
from importlib.metadata import version

import icalendar
import recurring_ical_events


def emit(kind, **fields):
    sys.stdout.write(json.dumps({"kind": kind, **fields}, ensure_ascii=False) + "\n")


def iso(value):
    """A date as YYYY-MM-DD, a date-time with its offset (a floating one without)."""
    return value.isoformat()


def raw_check(data):
    problems = []
    if not data.endswith(b"\r\n"):
        problems.append("does not end with CRLF")
    lines = data.split(b"\r\n")[:-1]
    folded = 0
    for number, line in enumerate(lines, 1):
        if b"\r" in line or b"\n" in line:
            problems.append(f"line {number}: bare CR or LF")
        if len(line) > 75:
            problems.append(f"line {number}: {len(line)} octets")
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(f"line {number}: not UTF-8 on its own (a fold split a character)")
        if line.startswith(b" "):
            folded += 1
    return len(lines), folded, problems


def text(component, name):
    """A property's value; one icalendar has no type for (it keeps RFC 7986's NAME and X-WR-*
    as written) is unescaped as TEXT with icalendar's own backslash unescaping."""
    value = component.get(name)
    if value is None:
        return None
    if isinstance(value, icalendar.prop.vUnknown):
        return icalendar.parser.unescape_backslash(str(value))
    return str(value)


def names(values):
    if values is None:
        return []
    if not isinstance(values, list):
        values = [values]
    return [{"cn": str(v.params.get("CN")), "value": str(v)} for v in values]


def main():
    first, last = (datetime.date.fromisoformat(a) for a in sys.argv[1:3])
    data = sys.stdin.buffer.read()
    emit("version", icalendar=version("icalendar"), recurring_ical_events=version("recurring-ical-events"))
    lines, folded, problems = raw_check(data)
    emit("raw", lines=lines, folded=folded, problems=problems)

    cal = icalendar.Calendar.from_ical(data.decode("utf-8"))
    errors = [f"{component.name}: {error}" for component in cal.walk() for error in component.errors]
    refresh = cal.get("REFRESH-INTERVAL")
    emit(
        "calendar",
        errors=errors,
        version=text(cal, "VERSION"),
        prodid=text(cal, "PRODID"),
        method=text(cal, "METHOD"),
        name=text(cal, "NAME"),
        calname=text(cal, "X-WR-CALNAME"),
        refresh_seconds=None if refresh is None else refresh.dt.total_seconds(),
        refresh_value=None if refresh is None else refresh.params.get("VALUE"),
        published_ttl=text(cal, "X-PUBLISHED-TTL"),
        timezones=[str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")],
    )

    for event in cal.walk("VEVENT"):
        emit(
            "event",
            uid=text(event, "UID"),
            summary=text(event, "SUMMARY"),
            status=text(event, "STATUS"),
            sequence=int(event["SEQUENCE"]),
            dtstart=iso(event.decoded("DTSTART")),
            dtend=iso(event.decoded("DTEND")) if "DTEND" in event else None,
            dtstamp=iso(event.decoded("DTSTAMP")),
            location=text(event, "LOCATION"),
            description=text(event, "DESCRIPTION"),
            url=text(event, "URL"),
            organizer=names(event.get("ORGANIZER")),
            attendees=names(event.get("ATTENDEE")),
            rrule=event["RRULE"].to_ical().decode() if "RRULE" in event else None,
        )

    for occurrence in recurring_ical_events.of(cal).between(first, last):
        emit("occurrence", uid=text(occurrence, "UID"), start=iso(occurrence.decoded("DTSTART")))


if __name__ == "__main__":
    main()

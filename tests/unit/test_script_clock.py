"""One clock on the pages: every time the scripts write follows the language's hour cycle
(24 h in Spanish, 12 h in English, as the server writes them), never the browser's default."""

from __future__ import annotations

import re
from pathlib import Path

import seatguard

STATIC = Path(seatguard.__file__).parent / "web" / "static"
# a call that formats a time of day: Intl.DateTimeFormat(…) or toLocale[Time]String(…)
TIME_CALL = re.compile(r"(Intl\.DateTimeFormat|toLocaleString|toLocaleTimeString)\(([^;]*)")


def _calls() -> list[tuple[str, str]]:
    found = []
    for path in sorted(STATIC.glob("*.js")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for match in TIME_CALL.finditer(line):
                if match.group(1) == "toLocaleString" and "Date(" not in line:
                    continue  # a number's digit grouping, not a time
                found.append((f"{path.name}:{number}", match.group(2)))
    return found


def test_the_scan_sees_the_time_calls():
    assert len(_calls()) >= 8


def test_every_time_a_script_writes_names_its_hour_cycle():
    loose = [where for where, args in _calls() if "hourCycle" not in args and "style" not in args]
    assert loose == []

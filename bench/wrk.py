"""``wrk`` as the load generator for throughput runs: a C client that leaves the server its cores.

Holds go through a Lua script: each request holds the next seat of the thread's share of a
data file (one ``seat-id token`` line per seat, the token of that seat's user), and the
script counts the answers by status. ``GET`` runs need no data file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

MARK = "WRK-RESULT "

HOLDS_LUA = r"""
-- POST {"seatIds": [seat]} to the hold endpoint, each request the next seat of this
-- thread's share, with the token of that seat's user; answers counted by status.
local threads, count = {}, 0

function setup(thread)
  thread:set("tid", count)
  count = count + 1
  table.insert(threads, thread)
end

function init(args)
  local path, nthreads, target = args[1], tonumber(args[2]), args[3]
  reqs, statuses, n = {}, {}, 0
  local i = 0
  for line in io.lines(path) do
    if i % nthreads == tid then
      local seat, token = line:match("^(%S+) (%S+)$")
      table.insert(reqs, wrk.format("POST", target, {
        ["Authorization"] = "Bearer " .. token,
        ["Content-Type"] = "application/json",
      }, '{"seatIds":["' .. seat .. '"]}'))
    end
    i = i + 1
  end
end

function request()
  n = n + 1
  return reqs[(n - 1) % #reqs + 1]
end
"""

COUNT_LUA = r"""
local threads, count = {}, 0

function setup(thread)
  thread:set("tid", count)
  count = count + 1
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end
"""

COMMON_LUA = r"""
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      merged[status] = (merged[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(merged) do
    table.insert(parts, string.format('"%d":%d', status, n))
  end
  local e = summary.errors
  io.write(string.format(
    'WRK-RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,' ..
    '"write":%d,"timeout":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"statuses":{%s}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.timeout,
    math.floor(latency:percentile(50)), math.floor(latency:percentile(95)),
    math.floor(latency:percentile(99)), math.floor(latency.max),
    table.concat(parts, ",")))
end
"""


# Without a ``response`` function wrk neither keeps nor hands over the bodies (a 3 MB seat map
# copied into Lua for every answer costs wrk more CPU than the server): answers are then
# counted as wrk sees them, 2xx or 3xx ("2xx") and anything else ("other").
UNREAD_LUA = r"""
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK-RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,' ..
    '"write":%d,"timeout":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"statuses":{"2xx":%d,"other":%d}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.timeout,
    math.floor(latency:percentile(50)), math.floor(latency:percentile(95)),
    math.floor(latency:percentile(99)), math.floor(latency.max),
    summary.requests - e.status, e.status))
end
"""


def find_wrk() -> Path | None:
    found = shutil.which("wrk")
    return Path(found) if found else None


@dataclass(frozen=True, slots=True)
class WrkResult:
    requests: int
    elapsed: float  # seconds
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    statuses: dict[str, int]
    socket_errors: dict[str, int] = field(default_factory=dict)
    bytes_read: int = 0  # everything wrk read: status lines, headers and bodies

    @property
    def rate(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0

    def count(self, status: int) -> int:
        return self.statuses.get(str(status), 0)

    def answers(self) -> dict[str, int]:
        """Answers by status, plus socket errors by kind (as the Python client reports them)."""
        shown = {k: v for k, v in self.socket_errors.items() if v}
        return dict(sorted({**self.statuses, **shown}.items()))


def parse(stdout: str) -> WrkResult:
    line = next((x for x in stdout.splitlines() if x.startswith(MARK)), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{stdout[-2000:]}")
    data = json.loads(line[len(MARK) :])
    return WrkResult(
        requests=data["requests"],
        elapsed=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        statuses=dict(sorted((k, v) for k, v in data["statuses"].items() if v)),
        socket_errors={k: data[k] for k in ("connect", "read", "write", "timeout")},
        bytes_read=data.get("bytes", 0),
    )


def run_wrk(
    url: str,
    *,
    connections: int,
    duration: float,
    workdir: Path,
    hold_data: Path | None = None,
    hold_path: str = "/api/v1/seats/lock",
    threads: int = 1,
    headers: Sequence[str] = (),
    read_bodies: bool = True,
) -> WrkResult:
    """``wrk`` against ``url`` for ``duration`` seconds; holds from ``hold_data`` when given.

    ``headers`` (``"Name: value"``) are sent with every request. Without ``read_bodies`` the
    answers are counted as "2xx" (2xx or 3xx) and "other", and wrk copies no body.
    """
    wrk = find_wrk()
    if wrk is None:
        raise FileNotFoundError("wrk not found (Debian: apt-get install wrk)")
    threads = max(1, min(threads, connections))
    if hold_data is None and not read_bodies:
        script = workdir / "wrk-unread.lua"
        script.write_text(UNREAD_LUA)
    else:
        script = workdir / ("wrk-holds.lua" if hold_data else "wrk-count.lua")
        script.write_text((HOLDS_LUA if hold_data else COUNT_LUA) + COMMON_LUA)
    cmd = [
        str(wrk),
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{max(1, round(duration))}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        *(arg for header in headers for arg in ("-H", header)),
        url,
    ]
    if hold_data is not None:
        cmd += ["--", str(hold_data), str(threads), hold_path]
    done = subprocess.run(  # noqa: S603 - the local wrk on loopback
        cmd,
        capture_output=True,
        text=True,
        timeout=duration + 60,
        check=False,
        env={**os.environ, "LC_ALL": "C"},
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr[-2000:]}")
    return parse(done.stdout)

"""Sample a server's stacks with py-spy while a run loads it (``--profile DIR``)."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

OUTPUT: dict[str, Path] = {}  # "dir" → where profiles go; set by the CLI's --profile


def enable(directory: Path | None) -> None:
    if directory is None:
        OUTPUT.pop("dir", None)
        return
    directory.mkdir(parents=True, exist_ok=True)
    OUTPUT["dir"] = directory


@contextmanager
def profiled(pid: int, name: str) -> Iterator[Path | None]:
    """py-spy (collapsed stacks, all subprocesses) on ``pid`` for the block, if enabled."""
    directory = OUTPUT.get("dir")
    beside = Path(sys.executable).parent / "py-spy"
    spy = str(beside) if beside.exists() else shutil.which("py-spy")
    if directory is None or spy is None:
        yield None
        return
    out = directory / f"{name}.txt"
    proc = subprocess.Popen(  # noqa: S603 - py-spy on our own server process
        [
            spy,
            "record",
            "--pid",
            str(pid),
            "--subprocesses",
            "--format",
            "raw",
            "--rate",
            "200",
            "--nonblocking",
            "--gil",  # only the thread running Python: idle threads are not told apart here
            "-o",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield out
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if out.exists():
            (directory / f"{name}.top.txt").write_text(summarise(out))


def _frame(raw: str) -> str:
    """``fn (path/to/file.py:12)`` → ``fn file.py:12``."""
    name, _, where = raw.partition(" (")
    return f"{name} {where.rstrip(')').rsplit('/', 1)[-1]}" if where else name


# Where a sample's time goes, by the innermost frame that belongs to one of these.
LAYERS = (
    ("psycopg (PostgreSQL driver)", ("/psycopg/",)),
    ("SQLAlchemy", ("/sqlalchemy/",)),
    ("PyJWT (token check)", ("/jwt/",)),
    ("segno (QR codes)", ("/segno/",)),
    ("fpdf2 / fontTools (PDF)", ("/fpdf/", "/fontTools/")),
    ("pydantic", ("/pydantic/", "/pydantic_core/")),
    ("Jinja2 / email", ("/jinja2/", "/email/")),
    ("FastAPI / Starlette", ("/fastapi/", "/starlette/")),
    ("uvicorn", ("/uvicorn/",)),
    ("anyio (threadpool)", ("/anyio/",)),
    ("SeatGuard", ("/seatguard/",)),
)


def layer_of(frames: list[str]) -> str:
    for frame in reversed(frames):
        where = "/" + frame.partition(" (")[2]  # "fn (fastapi/routing.py:1)" → "/fastapi/…"
        for name, markers in LAYERS:
            if any(m in where for m in markers):
                return name
    return "other (standard library, interpreter)"


def summarise(path: Path, top: int = 40) -> str:
    """Sample shares by layer, and self and inclusive shares per function, from py-spy's
    collapsed stacks."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    layers: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        layers[layer_of(stack.split(";"))] += n
        frames = [_frame(f) for f in stack.split(";")]
        for frame in set(frames):
            inclusive[frame] += n
        if frames:
            own[frames[-1]] += n
    lines = [f"{total} samples", "", "by layer (innermost frame):"]
    lines += [f"{n / total:6.1%}  {name}" for name, n in layers.most_common()] if total else []
    lines += ["", "inclusive:"]
    lines += [f"{n / total:6.1%}  {f}" for f, n in inclusive.most_common(top)] if total else []
    lines += ["", "self:"]
    lines += [f"{n / total:6.1%}  {f}" for f, n in own.most_common(top)] if total else []
    return "\n".join(lines) + "\n"

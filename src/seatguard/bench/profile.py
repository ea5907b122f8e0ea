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


def summarise(path: Path, top: int = 40) -> str:
    """Self and inclusive sample shares per function, from py-spy's collapsed stacks."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [_frame(f) for f in stack.split(";")]
        for frame in set(frames):
            inclusive[frame] += n
        if frames:
            own[frames[-1]] += n
    lines = [f"{total} samples", "", "inclusive:"]
    lines += [f"{n / total:6.1%}  {f}" for f, n in inclusive.most_common(top)] if total else []
    lines += ["", "self:"]
    lines += [f"{n / total:6.1%}  {f}" for f, n in own.most_common(top)] if total else []
    return "\n".join(lines) + "\n"

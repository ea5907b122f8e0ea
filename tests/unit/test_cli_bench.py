"""The benchmark is no part of the installed package: ``seatguard`` imports it only for
``seatguard bench``, finds it in a source checkout, and says how to get it when it is missing."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from seatguard.cli import app

ROOT = Path(__file__).resolve().parents[2]

LOADED = textwrap.dedent(
    """
    import json, sys
    from typer.testing import CliRunner
    from seatguard.cli import app

    result = CliRunner().invoke(app, sys.argv[1:])
    loaded = sorted(n for n in sys.modules if n.split(".")[0] == "bench" or ".bench" in n)
    print(json.dumps({"code": result.exit_code, "output": result.output, "bench": loaded}))
    """
)


def _run(args: list[str], *, pythonpath: Path, cwd: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", LOADED, *args],
        cwd=cwd,  # not the repository: ``bench`` is not importable from the working directory
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(pythonpath)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_other_commands_do_not_import_the_benchmark(tmp_path: Path):
    for args in (["--help"], ["tickets", "--help"], ["db", "--help"]):
        result = _run(args, pythonpath=ROOT / "src", cwd=tmp_path)
        assert result["code"] == 0, result["output"]
        assert result["bench"] == []


def test_bench_is_found_in_the_checkout_and_imported_only_then(tmp_path: Path):
    result = _run(["bench", "--help"], pythonpath=ROOT / "src", cwd=tmp_path)
    assert result["code"] == 0, result["output"]
    assert "bench.cli" in result["bench"]
    assert "hot-seat" in result["output"]


def test_bench_outside_a_checkout_says_how_to_get_it(tmp_path: Path):
    installed = tmp_path / "site-packages"
    shutil.copytree(
        ROOT / "src" / "seatguard",
        installed / "seatguard",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    result = _run(["bench", "holds"], pythonpath=installed, cwd=tmp_path)
    assert result["code"] == 2
    assert "source checkout" in result["output"]
    assert result["bench"] == []


def test_bench_subcommands_take_their_options():
    result = CliRunner().invoke(app, ["bench", "holds", "--help"])
    assert result.exit_code == 0, result.output
    assert "--connections" in result.output

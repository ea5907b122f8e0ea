"""Building the booking app leaves the PDF stack unimported: only rendering a ticket loads it."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

PDF_STACK = ("fpdf", "PIL", "fontTools", "segno")

SCRIPT = textwrap.dedent(
    """
    import json, sys
    from seatguard.app import create_app
    from seatguard.settings import Settings

    watched = {watched!r}
    create_app(Settings(database_url={url!r}))
    after_app = [name for name in watched if name in sys.modules]

    from tests.unit.test_tickets_pdf import sample
    from seatguard.tickets.pdf import render_tickets_pdf

    order, tickets = sample(seats=1)
    assert render_tickets_pdf(order=order, tickets=tickets).startswith(b"%PDF")
    after_render = [name for name in watched if name in sys.modules]
    print(json.dumps({{"after_app": after_app, "after_render": after_render}}))
    """
)


def test_building_the_app_does_not_import_the_pdf_stack(tmp_path: Path):
    root = Path(__file__).resolve().parents[2]
    script = SCRIPT.format(watched=PDF_STACK, url=f"sqlite:///{tmp_path / 'app.db'}")
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,  # no .env file from the work tree
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    modules = json.loads(result.stdout.strip().splitlines()[-1])
    assert modules["after_app"] == []
    assert set(modules["after_render"]) >= {"fpdf", "fontTools", "segno"}

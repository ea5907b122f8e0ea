"""Building the booking app leaves Stripe's SDK unimported (some 10 MB of a process): the
first webhook verified, or the first call to the gateway, loads it."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    from seatguard.app import create_app
    from seatguard.settings import Settings
    from seatguard.payments.webhooks import sign_payload, verify_event

    create_app(Settings(database_url={url!r}))
    after_app = "stripe" in sys.modules

    event = {{"id": "evt_1", "object": "event", "type": "x", "data": {{"object": {{}}}}}}
    body = json.dumps(event).encode()
    now = int(time.time())
    verify_event(body, sign_payload(body, "whsec_t", now), "whsec_t", now=now)
    print(json.dumps({{"after_app": after_app, "after_webhook": "stripe" in sys.modules}}))
    """
)


def test_building_the_app_does_not_import_stripe(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(url=f"sqlite:///{tmp_path / 'app.db'}")],
        cwd=tmp_path,  # no .env file from the work tree
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{root / 'src'}:{root}"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    modules = json.loads(result.stdout.strip().splitlines()[-1])
    assert modules == {"after_app": False, "after_webhook": True}

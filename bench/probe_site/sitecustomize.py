"""Put first on a bench server's PYTHONPATH by ``bench.probe.env``: installs the probe in each
of its processes (uvicorn's workers too) when ``SEATGUARD_PROBE_DIR`` is set."""

import os

if os.environ.get("SEATGUARD_PROBE_DIR"):
    from pathlib import Path

    from bench.probe import install

    install(Path(os.environ["SEATGUARD_PROBE_DIR"]))

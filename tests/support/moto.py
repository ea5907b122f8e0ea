"""A real SQS-compatible HTTP endpoint for the test session: moto in server mode, on loopback."""

from __future__ import annotations

import threading
import urllib.request
from dataclasses import dataclass

from moto.server import ThreadedMotoServer

REGION = "us-east-1"


@dataclass
class MotoServer:
    server: ThreadedMotoServer
    url: str
    region: str = REGION

    def stop(self) -> None:
        self.server.stop()


def start_moto(timeout: float = 15, *, port: int = 0) -> MotoServer:
    """Start on ``port`` (0: any free one). Queues live in this process, so a server started
    again on the same port after ``stop`` still has them: an outage, not a new service."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    starter = threading.Thread(target=server.start, daemon=True)
    starter.start()
    starter.join(timeout)  # ThreadedMotoServer.start waits forever if binding failed
    if starter.is_alive():
        raise RuntimeError("moto server did not start")
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    with urllib.request.urlopen(f"{url}/moto-api/", timeout=timeout) as answer:  # noqa: S310
        if answer.status != 200:
            raise RuntimeError(f"moto server answered {answer.status}")
    return MotoServer(server=server, url=url)

"""PNG plots of the runs (matplotlib, Agg backend): throughput and p99 against concurrency."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.stats import Run


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _series(runs: Sequence[Run]) -> dict[str, list[Run]]:
    lines: dict[str, list[Run]] = defaultdict(list)
    for r in runs:
        if r.scenario == "holds":
            lines[f"holds, {r.db}, {r.workers} worker(s)"].append(r)
        elif r.scenario == "limit":
            lines["pgbench ceiling (hold UPDATE)"].append(r)
        elif r.scenario == "http-floor":
            lines[f"GET /health, {r.db}, {r.workers} worker(s)"].append(r)
    return {k: sorted(v, key=lambda r: r.connections) for k, v in lines.items()}


def _plot(runs: Sequence[Run], path: Path, *, metric: str, ylabel: str, title: str) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.8), dpi=100)
    for label, line in _series(runs).items():
        style = "--" if label.startswith(("pgbench", "GET")) else "-"
        ax.plot(
            [r.connections for r in line],
            [getattr(r, metric) for r in line],
            style,
            marker="o",
            label=label,
        )
    ax.set_xscale("log", base=2)
    ticks = sorted({r.connections for line in _series(runs).values() for r in line})
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.set_yscale("log")
    ax.set_xlabel("concurrent connections")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _queue_depth(runs: Sequence[Run], path: Path) -> bool:
    sales = [r for r in runs if r.scenario == "flash-sale" and r.extra.get("queue_depth")]
    if not sales:
        return False
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4), dpi=100)
    for r in sales:
        points = r.extra["queue_depth"]
        ax.plot(
            [p[0] for p in points],
            [p[1] for p in points],
            label=f"{r.db}, {r.workers} worker process(es)",
        )
    ax.set_xlabel("seconds since the sale opened")
    ax.set_ylabel("jobs waiting or running")
    ax.set_title("Flash sale: queue depth over time")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def write_plots(runs: Sequence[Run], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    if _series(runs):
        throughput = folder / "holds-throughput.png"
        _plot(
            runs,
            throughput,
            metric="throughput",
            ylabel="per second (log)",
            title="Holds per second against concurrency",
        )
        p99 = folder / "holds-p99.png"
        _plot(
            runs,
            p99,
            metric="p99_ms",
            ylabel="p99 latency, ms (log)",
            title="p99 latency against concurrency",
        )
        made += [throughput, p99]
    depth = folder / "flash-sale-queue.png"
    if _queue_depth(runs, depth):
        made.append(depth)
    return made

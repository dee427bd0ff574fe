"""Durable progress writes: events/s from many concurrent clients, and fsyncs per 1,000 events.

Prints figures; never passes or fails. Two parts:

1. The store alone: N concurrent writers through group commit, beside the reference of one
   transaction (one fsync) per event, as a store without group commit would do.
2. The real daemon (`hubd serve` in its own process) under HTTP load from many clients, each
   posting its learner's events as the browser's progress queue does (1 and 10 per request).

Run: .venv/bin/python bench/bench_progress.py [--seconds 5] [--clients 64]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hubd.config import Config, HubSection, StorageSection, WebSection, render_config
from hubd.storage import people, progress
from hubd.storage.identity import ensure_identity
from hubd.storage.store import Store
from hubd.sync.events import NewEvent
from hubd.sync.hlc import HybridClock

WALL = 1_795_000_000_000


def event(learner: str) -> NewEvent:
    return NewEvent(
        str(uuid.uuid4()), learner, "time_spent", "fracciones", "intro", '{"seconds":5}'
    )


async def store_group_commit(folder: Path, writers: int, seconds: float) -> tuple[float, float]:
    store = await Store.open(folder / "group.sqlite3")
    clock = HybridClock()
    identity = await store.write(ensure_identity("bench", clock, WALL))
    deadline = time.perf_counter() + seconds
    count = 0

    async def writer() -> None:
        nonlocal count
        while time.perf_counter() < deadline:
            result = await store.write(progress.append_events([event("l")], identity, clock, WALL))
            count += result.accepted

    commits_before = store.stats.commits
    started = time.perf_counter()
    await asyncio.gather(*(writer() for _ in range(writers)))
    elapsed = time.perf_counter() - started
    commits = store.stats.commits - commits_before
    await store.close()
    return count / elapsed, commits * 1000 / max(count, 1)


def store_one_commit_per_event(folder: Path, seconds: float) -> float:
    """The reference: every event its own transaction with synchronous=FULL."""
    conn = sqlite3.connect(folder / "naive.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(
        "CREATE TABLE progress_events (event_id TEXT PRIMARY KEY, learner_id TEXT, seq INTEGER,"
        " payload TEXT) WITHOUT ROWID"
    )
    deadline = time.perf_counter() + seconds
    count = 0
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO progress_events VALUES (?, ?, ?, ?)",
            (str(uuid.uuid4()), "l", count, '{"seconds":5}'),
        )
        conn.execute("COMMIT")
        count += 1
    elapsed = time.perf_counter() - started
    conn.close()
    return count / elapsed


async def prepare(folder: Path, learners: int) -> tuple[Path, list[str]]:
    data = folder / "data"
    config = Config(
        hub=HubSection(name="Bench", data_dir=data),
        web=WebSection(host="127.0.0.1", port=0),
        storage=StorageSection(min_free_mb=0),
        logging=Config().logging.__class__(level="WARNING"),
    )
    path = folder / "hubd.toml"
    path.write_text(render_config(config))
    data.mkdir(parents=True, exist_ok=True)
    store = await Store.open(config.database_path)
    clock = HybridClock()
    identity = await store.write(ensure_identity("Bench", clock, WALL))
    tokens = []
    for i in range(learners):
        learner = str(uuid.uuid4())
        await store.write(people.add_learner(learner, f"L{i}", identity.hub_id, clock.now(WALL)))
        tokens.append(await store.write(people.start_session("learner", learner, clock.now(WALL))))
    await store.close()
    return path, tokens


async def http_load(
    folder: Path, clients: int, per_request: int, seconds: float
) -> dict[str, float]:
    config_path, tokens = await prepare(folder, clients)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "hubd",
        "serve",
        "--config",
        str(config_path),
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    assert proc.stderr is not None
    # The bench runs at WARNING; the address comes from the log line at INFO, so ask the OS.
    url = await _wait_for_url(proc)
    latencies: list[float] = []
    events = 0
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:
        health = await (await session.get(url + "api/v1/health")).json()
        commits_before = health["database"]["commits"]

        async def client(token: str) -> None:
            nonlocal events
            headers = {"Cookie": f"hub_learner={token}"}
            while time.perf_counter() < deadline:
                batch = [
                    {
                        "id": str(uuid.uuid4()),
                        "type": "time_spent",
                        "course_id": "fracciones",
                        "lesson_id": "intro",
                        "payload": {"seconds": 5},
                    }
                    for _ in range(per_request)
                ]
                t0 = time.perf_counter()
                async with session.post(
                    url + "api/v1/progress", json={"events": batch}, headers=headers
                ) as response:
                    body = await response.json()
                    assert response.status == 200, body
                latencies.append(time.perf_counter() - t0)
                events += body["accepted"]

        started = time.perf_counter()
        await asyncio.gather(*(client(t) for t in tokens))
        elapsed = time.perf_counter() - started
        health = await (await session.get(url + "api/v1/health")).json()
        commits = health["database"]["commits"] - commits_before
    rss_mb = _peak_rss_mb(proc.pid)
    proc.terminate()
    await proc.wait()
    latencies.sort()
    return {
        "events_per_s": events / elapsed,
        "requests_per_s": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "commits_per_1000": commits * 1000 / max(events, 1),
        "server_peak_rss_mb": rss_mb,
    }


async def _wait_for_url(proc: asyncio.subprocess.Process) -> str:
    pid = proc.pid
    async with asyncio.timeout(30):
        while True:
            port = _listening_port(pid)
            if port:
                return f"http://127.0.0.1:{port}/"
            await asyncio.sleep(0.05)


def _listening_port(pid: int) -> int | None:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = str(fd.readlink())
        except OSError:
            continue
        match = re.match(r"socket:\[(\d+)\]", target)
        if match:
            inodes.add(match.group(1))
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        if parts[3] == "0A" and parts[9] in inodes:  # 0A: LISTEN
            return int(parts[1].split(":")[1], 16)
    return None


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=64)
    args = parser.parse_args()
    python = sys.version.split()[0]
    print(f"machine: {os.cpu_count()} cores, Python {python}, SQLite {sqlite3.sqlite_version}")
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as tmp:
        folder = Path(tmp)
        print(f"data on: {folder} (fsync cost depends on this disk; an SD card is slower)")
        print("\n== store alone, synchronous=FULL ==")
        reference = store_one_commit_per_event(folder, args.seconds)
        print(
            f"reference, one commit per event:      {reference:10.0f} events/s"
            "   1000 commits/1000 events"
        )
        for writers in (1, 16, args.clients):
            where = folder / f"w{writers}"
            where.mkdir()
            rate, commits = await store_group_commit(where, writers, args.seconds)
            print(
                f"group commit, {writers:3d} concurrent writers: {rate:10.0f} events/s "
                f"{commits:8.1f} commits/1000 events"
            )
        print(f"\n== hubd serve over HTTP, {args.clients} clients ==")
        for per_request in (1, 10):
            sub = folder / f"http{per_request}"
            sub.mkdir()
            r = await http_load(sub, args.clients, per_request, args.seconds)
            print(
                f"{per_request:2d} event(s)/request: {r['events_per_s']:8.0f} durable events/s "
                f"{r['requests_per_s']:7.0f} req/s  p50 {r['p50_ms']:6.1f} ms  "
                f"p99 {r['p99_ms']:6.1f} ms  {r['commits_per_1000']:6.1f} commits/1000 events  "
                f"server peak RSS {r['server_peak_rss_mb']:.0f} MB"
            )


if __name__ == "__main__":
    asyncio.run(main())

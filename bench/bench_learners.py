"""Learners on one hub: mixed requests/s, p50/p99 latency, errors, server RSS; media vs nginx.

Prints figures; never passes or fails. One `hubd serve` process (as systemd runs it) with the
sample courses, a generated course holding a large video file, and N learners with sessions.

1. Learners: Debian's `wrk` (C, one thread, one connection per learner) replays a shuffled mix
   of what learners do (bench/learners.lua): home, course and lesson pages, the PDF viewer,
   search, progress posts, static files, and now and then a PIN sign-in (argon2id). First with
   think time between requests (a busy classroom), then with none (the most the hub can do),
   then with ever shorter pauses until p99 passes 100 ms (the most it serves within that).
   wrk rather than a Python client: on a 2-core box a Python load generator would take the
   core the server needs; the CPU seconds each side used are printed, so this can be checked.
2. Media: 1 MiB Range reads at random places of the large file, through hubd (aiohttp
   FileResponse, sendfile) and through Debian's nginx (started here on 127.0.0.1 with a
   temporary config, serving the very same blob file), in the same run, MB/s side by side.

Targets (issue 4) on 2 cores: 200 learners >= 2,000 req/s, p99 <= 100 ms, RSS <= 120 MB;
media >= 50% of nginx.

Needs: apt-get install wrk nginx-light (or nginx).
Run: .venv/bin/python bench/bench_learners.py [--learners 200] [--seconds 10] [--think-ms 80]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hubd.auth.hashing import hash_learner_secret
from hubd.config import (
    Config,
    HubSection,
    LoggingSection,
    StorageSection,
    WebSection,
    render_config,
)
from hubd.content.blobs import BlobStore
from hubd.content.install import install_folder
from hubd.resources import samples_dir
from hubd.storage import catalogue, people
from hubd.storage.identity import ensure_identity
from hubd.storage.store import Store
from hubd.sync.hlc import HybridClock

BENCH = Path(__file__).resolve().parent
WALL = 1_795_000_000_000
PIN = "4821"
GROUP = "g-bench"
MEDIA_COURSE = "bench-media"
MEDIA_PATH = "media/long-film.mp4"
SEARCHES = ["agua", "fracc", "denominador", "water", "خريطة", "mapa", "soap"]


@dataclass(frozen=True)
class Learner:
    token: str
    learner_id: str


@dataclass(frozen=True)
class Step:
    """One request of the mix: method, path, and what the Lua script adds (body, learner)."""

    method: str
    path: str
    kind: str = "page"


@dataclass(frozen=True)
class Hub:
    config_path: Path
    url: str
    learners: list[Learner]
    steps: list[Step]
    media_blob: Path
    media_size: int


# ---------------------------------------------------------------------------- setting up


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_media_course(folder: Path, size_mb: int) -> Path:
    """A course package with one long video: random bytes, so nothing compresses it."""
    package = folder / MEDIA_COURSE
    (package / "media").mkdir(parents=True)
    with (package / MEDIA_PATH).open("wb") as out:
        for _ in range(size_mb):
            out.write(os.urandom(1 << 20))
    manifest = {
        "format": 1,
        "id": MEDIA_COURSE,
        "version": 1,
        "language": "en",
        "title": "Benchmark film",
        "description": "A long video for the streaming benchmark.",
        "modules": [
            {
                "id": "m1",
                "title": "Watch",
                "lessons": [
                    {"id": "film", "kind": "video", "title": "The film", "file": MEDIA_PATH}
                ],
            }
        ],
    }
    (package / "course.json").write_text(json.dumps(manifest))
    return package


async def prepare_hub(folder: Path, learners: int, media_mb: int) -> Hub:
    """Data directory, config, courses and learners, made before the daemon starts."""
    data = folder / "data"
    port = free_port()
    config = Config(
        hub=HubSection(name="Bench Hub", data_dir=data),
        web=WebSection(host="127.0.0.1", port=port, shutdown_grace_seconds=2.0),
        storage=StorageSection(min_free_mb=0),
        logging=LoggingSection(level="WARNING"),
    )
    config_path = folder / "hubd.toml"
    config_path.write_text(render_config(config))
    data.mkdir(parents=True)
    store = await Store.open(config.database_path)
    blobs = BlobStore(config.blobs_dir)
    clock = HybridClock()
    try:
        identity = await store.write(ensure_identity("Bench Hub", clock, WALL))
        packages = [p for p in sorted(samples_dir().iterdir()) if (p / "course.json").is_file()]
        packages.append(write_media_course(folder / "packages", media_mb))
        for package in packages:
            await install_folder(store, blobs, clock, WALL, package)
        await store.write(people.add_group(GROUP, "Bench class", clock.now(WALL), sign_in="pin"))
        pin_hash = hash_learner_secret(PIN)  # one hash for all: same PIN, same verify cost
        made: list[Learner] = []
        for index in range(learners):
            learner_id = str(uuid.uuid4())
            await store.write(
                people.add_learner(
                    learner_id,
                    f"Learner {index}",
                    identity.hub_id,
                    clock.now(WALL),
                    group_id=GROUP,
                )
            )
            token = await store.write(people.start_session("learner", learner_id, clock.now(WALL)))
            made.append(Learner(token, learner_id))

        def set_pins(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "UPDATE learners SET pin_hash = ? WHERE learner_id = ?",
                [(pin_hash, item.learner_id) for item in made],
            )

        await store.write(set_pins)
        async with store.reader() as db:
            steps = await learner_mix(db)
            media = await catalogue.find_file(db, MEDIA_COURSE, MEDIA_PATH)
    finally:
        await store.close()
    assert media is not None
    return Hub(
        config_path,
        f"http://127.0.0.1:{port}",
        made,
        steps,
        blobs.path_for(media.sha256),
        media.size,
    )


async def learner_mix(db: Any) -> list[Step]:
    """What a classroom asks for, in proportion (per 1,000 requests), shuffled."""
    pages: list[Step] = []
    progress: list[Step] = []
    files: list[Step] = []
    pdfs: list[Step] = []
    for course in await catalogue.list_courses(db):
        cid = course.course_id
        pages.append(Step("GET", f"/courses/{cid}"))
        for lesson in await catalogue.course_lessons(db, cid):
            pages.append(Step("GET", f"/courses/{cid}/lessons/{lesson.lesson_id}"))
            progress.append(Step("POST", "/api/v1/progress", f"progress:{cid}:{lesson.lesson_id}"))
            if lesson.kind == "pdf":
                pdfs.append(Step("GET", f"/pdf-viewer?file=/content/{cid}/{lesson.file}"))
            if lesson.captions:
                files.append(Step("GET", f"/content/{cid}/{lesson.captions}"))
            if lesson.kind == "text":
                files.append(Step("GET", f"/content/{cid}/{lesson.file}"))
    statics = [Step("GET", f"/static/{name}") for name in ("hub.css", "progress.js", "lesson.js")]
    searches = [Step("GET", f"/search?q={urllib.parse.quote(q)}") for q in SEARCHES]
    api_searches = [Step("GET", f"/api/v1/search?q={urllib.parse.quote(q)}") for q in SEARCHES]
    sign_in = [Step("GET", "/signin"), Step("GET", f"/signin/{GROUP}")]
    weights: list[tuple[list[Step], int]] = [
        ([Step("GET", "/")], 120),
        (pages, 300),
        (pdfs, 30),
        (searches, 80),
        (api_searches, 40),
        (progress, 250),
        (statics, 100),
        (files, 50),
        (sign_in, 28),
        # A PIN check costs an argon2id hash; 2 in 1,000 is a class of 200 signing in over a
        # minute or two at 2,000 req/s, more than a real morning.
        ([Step("POST", "/signin/{group}/{learner}", "signin")], 2),
    ]
    mix: list[Step] = []
    for choices, count in weights:
        mix.extend(choices[i % len(choices)] for i in range(count))
    random.Random(4).shuffle(mix)
    return mix


def write_wrk_data(hub: Hub, path: Path) -> None:
    lines = [f"L\t{item.token}\t{GROUP}\t{item.learner_id}" for item in hub.learners]
    lines += [f"R\t{step.method}\t{step.path}\t{step.kind}" for step in hub.steps]
    path.write_text("\n".join(lines) + "\n")


# ---------------------------------------------------------------------------- processes


def wait_until_answering(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{process.args!r} did not start answering {url}") from None
            time.sleep(0.05)


def start_hubd(hub: Hub, log: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "hubd", "serve", "--config", str(hub.config_path)],
        stderr=log.open("wb"),  # a file, never a pipe: a full pipe would stall the server
    )
    try:
        wait_until_answering(hub.url + "/api/v1/health", process)
    except RuntimeError:
        stop(process)
        sys.exit("hubd did not start:\n" + log.read_text(errors="replace")[-3000:])
    return process


def start_nginx(folder: Path, blob: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Debian's nginx, one worker (hubd is one process), sendfile, serving the blob file."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    port = free_port()
    (folder / "nginx").mkdir()
    conf = folder / "nginx" / "nginx.conf"
    user = "user root;" if os.geteuid() == 0 else ""  # the temp folders are private to us
    conf.write_text(
        f"""{user}
worker_processes 1;
daemon off;
pid {folder}/nginx/nginx.pid;
error_log {folder}/nginx/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path {folder}/nginx/body;
  proxy_temp_path {folder}/nginx/proxy;
  fastcgi_temp_path {folder}/nginx/fastcgi;
  uwsgi_temp_path {folder}/nginx/uwsgi;
  scgi_temp_path {folder}/nginx/scgi;
  server {{
    listen 127.0.0.1:{port};
    location = /film.mp4 {{ alias {blob}; default_type video/mp4; }}
  }}
}}
"""
    )
    process = subprocess.Popen(
        [nginx, "-p", str(folder / "nginx"), "-c", str(conf), "-e", str(folder / "nginx" / "e.log")]
    )
    url = f"http://127.0.0.1:{port}/film.mp4"
    wait_until_answering(url, process)
    return process, url


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, its threads and its child processes (nginx's
    workers are children of its master)."""
    ticks = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = _stat(int(entry.name))
        except OSError:
            continue  # gone meanwhile
        if int(entry.name) == pid or int(fields[1]) == pid:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def memory_mb(pid: int) -> tuple[float, float]:
    """(resident now, peak resident) in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def machine_ticks() -> tuple[int, int]:
    """(busy, steal) CPU ticks of the whole machine so far, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return user + nice + system + irq + softirq + steal, steal


@dataclass(frozen=True)
class WrkRun:
    result: dict[str, int]
    client_cpu: float
    server_cpu: float
    others_cpu: float  # CPU seconds used by anything else on the machine (or stolen by the host)

    @property
    def seconds(self) -> float:
        return self.result["duration_us"] / 1e6

    @property
    def requests_per_second(self) -> float:
        return self.result["requests"] / self.seconds

    @property
    def errors(self) -> int:
        r = self.result
        return r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]


def run_wrk(
    script: str, url: str, connections: int, seconds: float, server_pid: int, *args: str
) -> WrkRun:
    """wrk with one thread (one core's worth at most), its CPU time and the server's."""
    command = [
        "wrk", "-t1", f"-c{connections}", f"-d{round(seconds)}s", "--timeout", "10s",
        "-s", str(BENCH / script), url, "--", *args,
    ]  # fmt: skip
    before_client = resource.getrusage(resource.RUSAGE_CHILDREN)
    before_server = cpu_seconds(server_pid)
    before_machine, _ = machine_ticks()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    after_machine, _ = machine_ticks()
    after_client = resource.getrusage(resource.RUSAGE_CHILDREN)
    server = cpu_seconds(server_pid) - before_server
    client = (after_client.ru_utime - before_client.ru_utime) + (
        after_client.ru_stime - before_client.ru_stime
    )
    machine = (after_machine - before_machine) / os.sysconf("SC_CLK_TCK")
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT ") :])
            return WrkRun(result, client, server, max(0.0, machine - client - server))
    raise RuntimeError("wrk printed no result:\n" + done.stdout + done.stderr)


# ---------------------------------------------------------------------------- checking


def check_mix(hub: Hub) -> list[str]:
    """Every distinct request of the mix, once, must succeed; returns what did not."""
    learner = hub.learners[0]
    cookie = f"hub_learner={learner.token}; hub_csrf=benchcsrftokenbenchcsrftoken"
    problems = []
    for step in {(s.method, s.path, s.kind): s for s in hub.steps}.values():
        path = step.path.replace("{group}", GROUP).replace("{learner}", learner.learner_id)
        data = None
        headers = {"Cookie": cookie}
        if step.kind.startswith("progress:"):
            _, course, lesson = step.kind.split(":")
            event = {"id": str(uuid.uuid4()), "type": "time_spent", "course_id": course,
                     "lesson_id": lesson, "payload": {"seconds": 5}}  # fmt: skip
            data = json.dumps({"events": [event]}).encode()
            headers["Content-Type"] = "application/json"
        elif step.kind == "signin":
            data = f"csrf=benchcsrftokenbenchcsrftoken&pin={PIN}".encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(
            hub.url + path, data=data, headers=headers, method=step.method
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        if status >= 400:
            problems.append(f"{step.method} {path}: {status}")
    return problems


def check_range(url: str, size: int) -> int:
    """The length of a 1 MiB Range read; anything but a 206 is an error."""
    request = urllib.request.Request(
        url, headers={"Range": f"bytes={size // 2}-{size // 2 + (1 << 20) - 1}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 206, response.status
        return len(response.read())


# ---------------------------------------------------------------------------- reporting


def report_learners(label: str, run: WrkRun, seconds: float) -> None:
    r = run.result
    print(
        f"{label:<28} {r['requests'] / run.seconds:8.0f} req/s   "
        f"p50 {r['p50_us'] / 1000:6.1f} ms   p90 {r['p90_us'] / 1000:6.1f} ms   "
        f"p99 {r['p99_us'] / 1000:6.1f} ms   max {r['max_us'] / 1000:6.0f} ms   "
        f"errors {run.errors} (status {r['status']}, timeout {r['timeout']})"
    )
    print(
        f"{'':<28} CPU: server {run.server_cpu / seconds:4.0%} of a core "
        f"({run.server_cpu * 1000 / max(r['requests'], 1):.2f} ms a request), "
        f"wrk client {run.client_cpu / seconds:4.0%} of a core, "
        f"rest of the machine {run.others_cpu / seconds:4.0%}"
    )


def report_media(label: str, run: WrkRun, seconds: float) -> float:
    rate = run.result["bytes"] / run.seconds / 1e6
    print(
        f"{label:<28} {rate:8.0f} MB/s   {run.result['requests'] / run.seconds:6.0f} reads/s   "
        f"p99 {run.result['p99_us'] / 1000:6.1f} ms   errors {run.errors}   "
        f"CPU: server {run.server_cpu / seconds:4.0%}, wrk {run.client_cpu / seconds:4.0%}, "
        f"rest {run.others_cpu / seconds:4.0%}   "
        # When wrk's one thread is the limit (100%), MB/s only says the server kept up; the
        # server's CPU per GB sent compares the two servers' own cost.
        f"server {run.server_cpu / max(run.result['bytes'] / 1e9, 1e-9):.2f} CPU-s/GB"
    )
    return rate


def run_learners(hub: Hub, data: Path, pid: int, args: argparse.Namespace) -> None:
    print(f"\n== {args.learners} learners, {args.seconds:.0f} s each ==")
    paced = run_wrk(
        "learners.lua", hub.url, args.learners, args.seconds, pid,
        str(data), str(args.think_ms), "1",
    )  # fmt: skip
    report_learners(f"think time ~{args.think_ms} ms", paced, args.seconds)
    flat_out = run_wrk(
        "learners.lua", hub.url, args.learners, args.seconds, pid, str(data), "0", "2",
    )  # fmt: skip
    report_learners("no think time (saturated)", flat_out, args.seconds)
    # Busier classrooms: the same learners pausing less, until the hub can no longer keep
    # p99 within 100 ms. The think-time run above is capped by its pauses (200 learners at
    # ~80 ms ask for ~2,500 req/s at most); this says how much room is left above it.
    best = paced if paced.result["p99_us"] <= 100_000 else None
    think, run_number = args.think_ms // 2, 3
    while think >= 5:
        busier = run_wrk(
            "learners.lua", hub.url, args.learners, args.seconds, pid,
            str(data), str(think), str(run_number),
        )  # fmt: skip
        report_learners(f"think time ~{think} ms", busier, args.seconds)
        if busier.result["p99_us"] > 100_000 or busier.errors:
            break
        if best is None or busier.requests_per_second > best.requests_per_second:
            best = busier
        think, run_number = think // 2, run_number + 1
    if best is None:
        print(f"{'within p99 <= 100 ms':<28} no run kept p99 within 100 ms")
    else:
        print(
            f"{'within p99 <= 100 ms':<28} {best.requests_per_second:8.0f} req/s at most "
            f"(p99 {best.result['p99_us'] / 1000:.1f} ms)"
        )
    rss, peak = memory_mb(pid)
    print(f"{'server memory':<28} RSS now {rss:.0f} MB, peak {peak:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--think-ms", type=int, default=80, help="mean pause between requests")
    parser.add_argument("--media-mb", type=int, default=64)
    parser.add_argument("--media-connections", type=int, default=8)
    parser.add_argument("--media-rounds", type=int, default=3)
    parser.add_argument(
        "--media-only", action="store_true", help="only the media comparison with nginx"
    )
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            sys.exit(f"{tool} is not installed: apt-get install wrk nginx-light")
    print(
        f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
        f"SQLite {sqlite3.sqlite_version}"
    )
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as tmp:
        folder = Path(tmp)
        hub = asyncio.run(prepare_hub(folder, args.learners, args.media_mb))
        data = folder / "wrk-learners.tsv"
        write_wrk_data(hub, data)
        server = start_hubd(hub, folder / "hubd.log")
        nginx: subprocess.Popen[bytes] | None = None
        try:
            problems = check_mix(hub)
            print(
                f"hub: {len(hub.learners)} learners with sessions, "
                f"{len({s.path for s in hub.steps})} distinct requests in the mix; "
                f"{len(problems)} failed a first try"
                + (": " + "; ".join(problems) if problems else "")
            )
            print(
                f"client: wrk, 1 thread, {args.learners} connections (one per learner), "
                f"in its own process beside one `hubd serve` process"
            )
            if not args.media_only:
                run_learners(hub, data, server.pid, args)

            print(
                f"\n== media: 1 MiB Range reads of a {hub.media_size >> 20} MiB file, "
                f"{args.media_connections} connections, wrk 1 thread =="
            )
            nginx, nginx_url = start_nginx(folder, hub.media_blob)
            media_url = f"{hub.url}/content/{MEDIA_COURSE}/{MEDIA_PATH}"
            assert check_range(media_url, hub.media_size) == check_range(nginx_url, hub.media_size)
            # Alternate the two servers, a few rounds: on a shared or virtual machine a
            # neighbour's burst in one round should not decide the comparison.
            ratios = []
            for round_number in range(1, args.media_rounds + 1):
                hubd_run = run_wrk(
                    "range_reads.lua", media_url, args.media_connections, args.seconds,
                    server.pid, str(hub.media_size),
                )  # fmt: skip
                hubd_rate = report_media(f"{round_number}. hubd (sendfile)", hubd_run, args.seconds)
                nginx_run = run_wrk(
                    "range_reads.lua", nginx_url, args.media_connections, args.seconds,
                    nginx.pid, str(hub.media_size),
                )  # fmt: skip
                nginx_rate = report_media(
                    f"{round_number}. nginx (1 worker)", nginx_run, args.seconds
                )
                ratios.append(hubd_rate / nginx_rate)
            print(
                f"{'hubd / nginx':<28} median {statistics.median(ratios):.0%} "
                f"(rounds: {', '.join(f'{r:.0%}' for r in ratios)})"
            )
            rss, peak = memory_mb(server.pid)
            print(f"{'server memory at the end':<28} RSS now {rss:.0f} MB, peak {peak:.0f} MB")
        finally:
            if nginx is not None:
                stop(nginx)
            stop(server)
    print(
        "\ntargets on 2 cores: 200 learners >= 2,000 req/s, p99 <= 100 ms, RSS <= 120 MB; "
        "media >= 50% of nginx"
    )


if __name__ == "__main__":
    main()

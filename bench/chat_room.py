"""Real-time benchmark: Cohort served as the README serves it, measured by an independent client.

Starts K daphne processes (config.asgi, PostgreSQL and Redis from DATABASE_URL / REDIS_URL),
puts N logged-in sockets into one fresh chat room and drives them with the shared client
../shared/bench/bench_ws.py (run as it is, from its own path): S senders at a fixed rate or
flat out, end-to-end latency from send to every other socket, loss and duplicates. Then it
measures resume, history and notify() on a real socket. Writes bench/results/realtime.json.

    python bench/chat_room.py                    # every cell (make bench)
    python bench/chat_room.py --processes 2 --cells 100x50

The flood limit (20 messages per 10 s per user) would refuse most of this traffic: the daphne
processes started here raise it, and the results file says so.
"""

import argparse
import asyncio
import itertools
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
# The independent client next to the repository (BENCH_WS names it elsewhere, as from a worktree).
CLIENT = Path(os.environ.get("BENCH_WS", ROOT.parent / "shared" / "bench" / "bench_ws.py"))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

FLOOD_LIMIT = 1_000_000
MAX_MEMBERS = 50
SENDERS = 10
# Fixed-rate cells send for this long; flat-out cells send FLAT_OUT_MESSAGES per sender.
FIXED_RATE_SECONDS = 12
FLAT_OUT_MESSAGES = 100
# The cells of the issue: (clients, total offered messages per second; 0 = flat out).
CELLS = {"100x50": (100, 50), "300x50": (300, 50), "100xmax": (100, 0)}
RESUME_ROOM_MESSAGES = 100_000
REPEATS = 10
NOTIFY_USERS = 100
# With BENCH_PROFILE=<dir>, py-spy samples the first server during every cell into <dir>.
PROFILE_DIR = os.environ.get("BENCH_PROFILE")


def out(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


PROBE_LOOPS = 3_000_000


def cpu_probe_ms() -> float:
    """CPU time of a fixed piece of pure-Python work, in ms.

    On this shared VM the same work takes up to a third longer at some moments than at others
    while the load average stays low. A cell's numbers should be read alongside this probe.
    """
    started = time.process_time()
    total = 0
    for i in range(PROBE_LOOPS):
        total += i * i % 7
    return round((time.process_time() - started) * 1000, 1)


# The processes serve one site, as behind a deployment's load balancer: the pages that open
# the sockets come from this origin, whichever process a socket reaches (config/origin.py
# would refuse another process's own host:port as a foreign origin).
SITE_ORIGIN = "http://chat.bench.test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        CHAT_FLOOD_LIMIT=str(FLOOD_LIMIT),
        SECURE_COOKIES="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        CSRF_TRUSTED_ORIGINS=SITE_ORIGIN,
        CHANNELS_PREFIX=os.environ.get("CHANNELS_PREFIX", "cohort.bench.asgi"),
        CACHE_KEY_PREFIX=os.environ.get("CACHE_KEY_PREFIX", "cohort.bench"),
        LOG_LEVEL="WARNING",
    )
    return env


APPLICATION = "config.asgi:application"
# How each ASGI server is started: uvicorn as the README serves Cohort (config/serve.py), and
# daphne, which served it before, for comparison.
SERVER_COMMANDS = {
    "uvicorn": lambda port: ["config.serve", "--port", str(port)],
    "daphne": lambda port: ["daphne", "--bind", "127.0.0.1", "--port", str(port), APPLICATION],
}


class Server:
    """One ASGI server process serving config.asgi:application."""

    def __init__(self, source: Path = ROOT, kind: str = "uvicorn"):
        self.source = source
        self.kind = kind
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", *SERVER_COMMANDS[kind](self.port)],
            cwd=self.source,
            env=server_environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{kind} did not start")

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def ensure_database(url: str) -> None:
    """Create the benchmark's database when it does not exist yet."""
    import psycopg
    from psycopg import sql

    try:
        psycopg.connect(url).close()
    except psycopg.OperationalError as error:
        if "does not exist" not in str(error):
            raise
        name = url.rsplit("/", 1)[1].split("?")[0]
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django() -> None:
    ensure_database(os.environ["DATABASE_URL"])
    for name in ("CHANNELS_PREFIX", "CACHE_KEY_PREFIX"):
        os.environ[name] = server_environment()[name]
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def bench_user(index: int):
    from accounts.models import User

    name = f"bench-{index:02d}"
    user = User.objects.filter(username=name).first()
    return user or User.objects.create_user(name, f"{name}@example.com", None)


def cookie_for(user) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def bench_study():
    """Return the benchmark's study with MAX_MEMBERS members (made once, then reused)."""
    from studies.models import Study
    from studies.services import join_request_accept, join_request_create, study_create

    owner = bench_user(0)
    today = datetime.now(UTC).date()
    # Recruitment must still be open to add members through the real services.
    study = Study.objects.filter(
        owner=owner, title="Chat benchmark", recruitment_deadline__gte=today
    ).first()
    if study is None:
        study = study_create(
            owner=owner,
            title="Chat benchmark",
            description="Fan-out benchmark.",
            start_date=today + timedelta(days=2),
            end_date=today + timedelta(days=30),
            recruitment_deadline=today + timedelta(days=1),
            capacity=MAX_MEMBERS,
        )
    users = [owner]
    for i in range(1, MAX_MEMBERS):
        user = bench_user(i)
        if not study.memberships.filter(user=user).exists():
            join_request_accept(join_request=join_request_create(study=study, user=user), by=owner)
        users.append(user)
    return study, users


def fresh_room(study, owner):
    from chat.models import Category, Room
    from chat.services import room_close, room_open

    for room in Room.objects.filter(study=study, closed_at__isnull=True):
        room_close(room=room, by=owner)
    return room_open(study=study, category=Category.GENERAL, by=owner)


def profiler(server, path: str) -> subprocess.Popen:
    """Sample the server's Python stacks with py-spy (installed separately) into `path`."""
    return subprocess.Popen(
        ["py-spy", "record", "--nonblocking", "--format", "raw", "--rate", "50"]
        + ["--threads", "--pid", str(server.pid), "--output", path],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def run_cell(servers, room, clients: int, offered: int, cookie_file: str, label: str) -> dict:
    """Drive one room with bench_ws.py; return the cell in the results file's shape."""
    if offered:
        rate = offered / SENDERS
        messages = int(rate * FIXED_RATE_SECONDS)
    else:
        rate, messages = 0, FLAT_OUT_MESSAGES
    with tempfile.NamedTemporaryFile("r", suffix=".json") as record:
        command = [
            sys.executable,
            str(CLIENT),
            "--url",
            ",".join(f"ws://127.0.0.1:{s.port}/ws/chat/{room.pk}/" for s in servers),
            "--origin",
            SITE_ORIGIN,
            "--template",
            '{"type":"send","body":"{PAYLOAD}","client_id":"{CID}"}',
            "--skip-frames",
            '^[{]"type": ?"chat[.]ack"',
            "--cookie-file",
            cookie_file,
            "-n",
            str(clients),
            "-s",
            str(SENDERS),
            "-m",
            str(messages),
            "-r",
            str(rate),
            # Start sending once the joins' presence traffic has died down.
            "--settle-idle-pct",
            "15",
            "--settle-idle-max",
            "30",
            "--idle-timeout",
            "5",
            "--max-time",
            "120",
            "--label",
            label,
            "--json-out",
            record.name,
        ]
        for server in servers:
            command += ["--watch-pid", str(server.pid)]
        load_before, probe_before = load(), cpu_probe_ms()
        profile = f"{PROFILE_DIR}/{label.replace(' ', '_')}.txt"
        sampling = PROFILE_DIR and profiler(servers[0], profile)
        subprocess.run(command, check=True, cwd=ROOT)
        if sampling:
            sampling.send_signal(signal.SIGINT)
            sampling.wait()
        result = json.loads(record.read().splitlines()[-1])
    if result["connected"] != clients:
        raise RuntimeError(
            f"{label}: {result['connected']} of {clients} clients connected; "
            f"errors: {result['connect_errors']}"
        )
    latency = result["latency_ms"] or {}
    cpu = [v for k, v in result["server_cpu_pct"].items() if k.isdigit() and v is not None]
    return {
        "label": label,
        "code": "this checkout" if servers[0].source == ROOT else str(servers[0].source),
        "server": servers[0].kind,
        "processes": len(servers),
        "clients": clients,
        "connected": result["connected"],
        "connect_errors": result["connect_errors"],
        "senders": SENDERS,
        "messages": result["sent"],
        "offered_per_s": offered or "max",
        "sent_per_s": result["send_rate_achieved"],
        "delivered_per_s": result["delivered_per_s"],
        "latency_ms": {k: latency.get(k) for k in ("p50", "p95", "p99", "max")},
        "lost": result["loss"],
        "duplicated": result["duplicates"],
        "server_cpu_pct": round(sum(cpu), 1),
        # CPU the servers spent per delivery: comparable across runs on a loaded machine.
        "server_cpu_us_per_delivery": (
            round(sum(cpu) / 100 * result["wall_s"] / result["delivered"] * 1e6)
            if result["delivered"]
            else None
        ),
        "host_cpu_busy_pct": result["host_cpu_busy_pct"],
        "client_cpu_pct": result["client_cpu_pct"],
        "errors": result["errors"],
        "load": {"before": load_before, "after": load()},
        "cpu_probe_ms": {"before": probe_before, "after": cpu_probe_ms()},
    }


def fill_room(room, count: int) -> None:
    """Give the room `count` messages with gap-free sequence numbers, in one statement."""
    from django.db import connection

    from chat.models import Message, Room

    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Message._meta.db_table} "
            "(room_id, seq, author_id, body, client_id, created_at) "
            "SELECT %s, n, %s, 'history message ' || n, 'fill-' || n, now() "
            "FROM generate_series(1, %s) AS n",
            [room.pk, room.creator_id, count],
        )
        # A room fills over weeks while autovacuum keeps the table's statistics; filled in one
        # statement, the table is analyzed here. Without it a history page is planned for the
        # few rows the statistics last saw: 25-35 ms instead of about 5, whichever code runs.
        cursor.execute(f"ANALYZE {Message._meta.db_table}")
    Room.objects.filter(pk=room.pk).update(last_seq=count)


async def timed_frames(url: str, origin: str, cookie: str, frames: list[tuple[dict, str]]):
    """Send each frame on one socket; return ms until the answer of the given type completes."""
    import websockets

    timings = []
    async with websockets.connect(
        url, origin=origin, additional_headers={"Cookie": cookie}, max_size=None
    ) as ws:
        while json.loads(await asyncio.wait_for(ws.recv(), 30))["type"] != "chat.state":
            pass
        for frame, answer in frames:
            started = time.perf_counter()
            await ws.send(json.dumps(frame))
            while True:
                reply = json.loads(await asyncio.wait_for(ws.recv(), 30))
                # A resume answers with pages until one is complete; history with one page.
                if reply["type"] == answer and (answer != "chat.backlog" or reply["complete"]):
                    break
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def resume_and_history(server, study, owner, cookie: str) -> dict:
    room = fresh_room(study, owner)
    fill_room(room, RESUME_ROOM_MESSAGES)
    after = RESUME_ROOM_MESSAGES - 1000
    frames = [({"type": "resume", "after": after}, "chat.backlog")] * REPEATS
    frames += [({"type": "history", "before": 50_000, "limit": 100}, "chat.history")] * REPEATS
    load_before = load()
    timings = asyncio.run(
        timed_frames(f"ws://127.0.0.1:{server.port}/ws/chat/{room.pk}/", server.url, cookie, frames)
    )
    return {
        "resume_1000_of_100000_ms": {
            "median": round(statistics.median(timings[:REPEATS]), 1),
            "max": round(max(timings[:REPEATS]), 1),
            "target_ms": 100,
        },
        "history_100_before_50000_ms": {
            "median": round(statistics.median(timings[REPEATS:]), 1),
            "max": round(max(timings[REPEATS:]), 1),
            "target_ms": 20,
        },
        "load": {"before": load_before, "after": load()},
    }


async def notify_rounds(server, cookies: list[str], notify_all) -> list[float]:
    """Open one notifications socket per user; return, per round, ms from notify() to the last."""
    import websockets

    sockets = []
    for cookie in cookies:
        sockets.append(
            await websockets.connect(
                f"ws://127.0.0.1:{server.port}/ws/notifications/",
                origin=server.url,
                additional_headers={"Cookie": cookie},
            )
        )

    async def first_notification(ws) -> float:
        while True:
            if json.loads(await ws.recv())["type"] == "notification.new":
                return time.perf_counter()

    timings = []
    for _ in range(REPEATS):
        waiting = [asyncio.create_task(first_notification(ws)) for ws in sockets]
        await asyncio.sleep(0.2)
        started = time.perf_counter()
        await asyncio.to_thread(notify_all)
        arrived = await asyncio.wait_for(asyncio.gather(*waiting), 60)
        timings.append((max(arrived) - started) * 1000)
    for ws in sockets:
        await ws.close()
    return timings


def notify_fanout(server) -> dict:
    from django.db import close_old_connections

    from notifications.models import Kind, Notification
    from notifications.services import notify

    users = [bench_user(i) for i in range(NOTIFY_USERS)]
    cookies = [cookie_for(user) for user in users]
    # Every run starts from the same state: the earlier runs' notifications would otherwise
    # pile up unread, and notify() counts each recipient's unread ones.
    Notification.objects.filter(recipient__in=users).delete()

    def notify_all():
        close_old_connections()
        notify(users=users, kind=Kind.ANNOUNCEMENT, text="Benchmark notice", url="/")

    load_before = load()
    timings = asyncio.run(notify_rounds(server, cookies, notify_all))
    return {
        "notify_100_online_ms": {
            "median": round(statistics.median(timings), 1),
            "max": round(max(timings), 1),
            "target_ms": 50,
        },
        "load": {"before": load_before, "after": load()},
    }


def save(document: dict, name: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--processes", type=int, nargs="*", default=[1, 2], help="none: only resume/notify"
    )
    parser.add_argument("--cells", nargs="+", default=list(CELLS), choices=list(CELLS))
    parser.add_argument("--no-figures", action="store_true", help="skip resume/history/notify")
    parser.add_argument(
        "--servers",
        nargs="+",
        default=["uvicorn"],
        choices=list(SERVER_COMMANDS),
        help="ASGI servers to measure; several run each cell one after the other",
    )
    parser.add_argument("--name", default="realtime", help="results file name (no suffix)")
    parser.add_argument(
        "--compare-with",
        type=Path,
        help="another checkout (same schema): every cell runs against its servers, then ours",
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        sys.exit("Set DATABASE_URL and REDIS_URL (the benchmark runs the served mode).")
    setup_django()
    study, users = bench_study()
    owner = users[0]
    document = {
        "benchmark": "realtime",
        "client": "../shared/bench/bench_ws.py",
        "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "flood_limit": FLOOD_LIMIT,
        "load_at_start": load(),
        "cpu_probe_ms_at_start": cpu_probe_ms(),
        "cells": [],
    }
    sources = [ROOT] if args.compare_with is None else [args.compare_with.resolve(), ROOT]
    if not args.no_figures:
        document["figures"] = {}
        for source in sources:
            server = Server(source, args.servers[-1])
            try:
                document["figures"]["compared" if source != ROOT else "this_checkout"] = {
                    "resume_history": resume_and_history(server, study, owner, cookie_for(owner)),
                    "notify": notify_fanout(server),
                }
            finally:
                server.stop()
            save(document, args.name)
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as cookie_file:
        cookie_file.write("\n".join(cookie_for(user) for user in users) + "\n")
        cookie_file.flush()
        for processes in args.processes:
            for cell in args.cells:
                clients, offered = CELLS[cell]
                # Interleaved: the compared checkouts and servers run the same cell in turn.
                for source, kind in itertools.product(sources, args.servers):
                    servers = [Server(source, kind) for _ in range(processes)]
                    try:
                        room = fresh_room(study, owner)
                        label = f"K={processes} {cell}" + (" before" if source != ROOT else "")
                        label += f" {kind}" if len(args.servers) > 1 else ""
                        document["cells"].append(
                            run_cell(servers, room, clients, offered, cookie_file.name, label)
                        )
                        save(document, args.name)
                    finally:
                        for server in servers:
                            server.stop()
    document["load_at_end"] = load()
    document["cpu_probe_ms_at_end"] = cpu_probe_ms()
    path = save(document, args.name)
    out(json.dumps(document.get("figures", {}), indent=2))
    out(f"Written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

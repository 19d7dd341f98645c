"""Chat fan-out benchmark: K daphne processes, N members in one room, messages at a fixed rate.

Starts K daphne processes on PostgreSQL and Redis (DATABASE_URL, REDIS_URL), connects N
logged-in sockets spread over them into one fresh room, has some of them send at a fixed total
rate (or as fast as they can), and measures, for every (message, receiving socket) pair,
the time from send to receive. Prints a table and writes bench/results/<name>.json.

    python bench/chat_fanout.py                 # the whole matrix (make bench)
    python bench/chat_fanout.py --processes 2 --clients 100 --rates 50

A study has at most 50 members, so N sockets belong to min(N, 50) members, each with one or
more sockets (tabs). Client sockets run in separate processes, so that the measuring side does
not become the bottleneck; all processes read the same wall clock.
"""

import argparse
import asyncio
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# The flood limit (20 per 10 s per user) would refuse most benchmark traffic: it is raised
# for the daphne processes the benchmark starts, and the output says so.
FLOOD_LIMIT = 1_000_000
MAX_MEMBERS = 50
SENDERS = 10
FIXED_RATE_SECONDS = 10
MAX_RATE_MESSAGES = 3000
MAX_RATE_WINDOW = 8  # unacknowledged messages per sender in the "max" runs
CLIENT_PROCESSES = 2
QUIET_SECONDS = 5


def out(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


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
        CHANNELS_PREFIX=os.environ.get("CHANNELS_PREFIX", "cohort.bench.asgi"),
        CACHE_KEY_PREFIX=os.environ.get("CACHE_KEY_PREFIX", "cohort.bench"),
        LOG_LEVEL="WARNING",
    )
    return env


class Daphne:
    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "--bind", "127.0.0.1", "--port", str(self.port)]
            + ["config.asgi:application"],
            cwd=ROOT,
            env=server_environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("daphne did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def ensure_database(url: str) -> None:
    """Create the benchmark's database when it does not exist yet."""
    import psycopg2
    from psycopg2 import sql

    try:
        psycopg2.connect(url).close()
    except psycopg2.OperationalError as error:
        if "does not exist" not in str(error):
            raise
        name = url.rsplit("/", 1)[1].split("?")[0]
        admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        admin.close()


def setup_django() -> None:
    ensure_database(os.environ["DATABASE_URL"])
    for name in ("CHANNELS_PREFIX", "CACHE_KEY_PREFIX"):
        os.environ[name] = server_environment()[name]
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def members_and_cookies(count: int):
    """Return a study with `count` bench members (made once, then reused) and their cookies."""
    from django.conf import settings
    from django.test import Client

    from accounts.models import User
    from studies.models import Study
    from studies.services import join_request_accept, join_request_create, study_create

    owner = User.objects.filter(username="bench-00").first()
    if owner is None:
        owner = User.objects.create_user("bench-00", "bench-00@example.com", None)
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
    for i in range(1, count):
        name = f"bench-{i:02d}"
        user = User.objects.filter(username=name).first()
        if user is None:
            user = User.objects.create_user(name, f"{name}@example.com", None)
        if not study.memberships.filter(user=user).exists():
            request = join_request_create(study=study, user=user)
            join_request_accept(join_request=request, by=owner)
        users.append(user)
    cookies = []
    for user in users:
        client = Client()
        client.force_login(user)
        cookies.append(
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
    return study, users, cookies


def fresh_room(study, owner):
    from chat.models import Category, Room
    from chat.services import room_close, room_open

    for room in Room.objects.filter(study=study, closed_at__isnull=True):
        room_close(room=room, by=owner)
    return room_open(study=study, category=Category.GENERAL, by=owner)


class ConnectionWatcher(threading.Thread):
    """Sample the number of PostgreSQL sessions on the benchmark's database."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak = 0
        self.stopped = threading.Event()

    def run(self):
        from django.db import connection

        try:
            while not self.stopped.is_set():
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                    self.peak = max(self.peak, cursor.fetchone()[0])
                self.stopped.wait(0.2)
        finally:
            connection.close()


async def client_worker(job: dict) -> dict:
    """Connect this worker's sockets, send its share, and return what each socket received."""
    import websockets

    sockets = []
    for port, cookie in job["sockets"]:
        ws = await websockets.connect(
            f"ws://127.0.0.1:{port}/ws/chat/{job['room_id']}/",
            origin=f"http://127.0.0.1:{port}",
            additional_headers={"Cookie": cookie},
            max_queue=None,
        )
        sockets.append(ws)
    received: list[dict[str, float]] = [{} for _ in sockets]
    duplicated = 0
    acked: dict[str, float] = {}
    sent: dict[str, float] = {}
    last_activity = time.time()
    windows = {index: asyncio.Semaphore(MAX_RATE_WINDOW) for index in job["senders"]}

    async def reader(index, ws):
        nonlocal duplicated, last_activity
        mine = received[index]
        async for raw in ws:
            now = time.time()
            frame = json.loads(raw)
            kind = frame["type"]
            if kind == "chat.message":
                body = frame["message"]["body"]
                if body in mine:
                    duplicated += 1
                else:
                    mine[body] = now
                last_activity = now
            elif kind == "chat.ack":
                acked[frame["client_id"]] = now
                if index in windows:
                    windows[index].release()

    readers = [asyncio.create_task(reader(i, ws)) for i, ws in enumerate(sockets)]
    job["ready"].set()
    await asyncio.to_thread(job["go"].wait)

    async def send(index, count, interval, start):
        ws = sockets[index]
        for n in range(count):
            if interval:
                delay = start + n * interval - time.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            else:
                await windows[index].acquire()
            body = f"{job['worker']}-{index}-{n}"
            sent[body] = time.time()
            await ws.send(json.dumps({"type": "send", "body": body, "client_id": body}))

    start = time.time() + 0.2
    await asyncio.gather(
        *(
            send(index, job["per_sender"], job["interval"], start + offset)
            for index, offset in zip(job["senders"], job["offsets"], strict=True)
        )
    )
    # Wait for our acks, then for the room to fall quiet.
    deadline = time.time() + 120
    while len(acked) < len(sent) and time.time() < deadline:
        await asyncio.sleep(0.05)
    job["sent_done"].set()
    await asyncio.to_thread(job["all_sent"].wait)
    while time.time() - last_activity < QUIET_SECONDS and time.time() < deadline:
        if all(len(r) >= job["expected_total"] for r in received):
            break
        await asyncio.sleep(0.1)
    for ws in sockets:
        await ws.close()
    for task in readers:
        task.cancel()
    return {"received": received, "sent": sent, "acked": len(acked), "duplicated": duplicated}


def run_worker(job: dict, results) -> None:
    results.put(asyncio.run(client_worker(job)))


def run_scenario(processes: int, clients: int, rate, study, users, cookies) -> dict:
    owner = users[0]
    room = fresh_room(study, owner)
    servers = [Daphne() for _ in range(processes)]
    watcher = ConnectionWatcher()
    watcher.start()
    try:
        return measure(servers, room, clients, rate, cookies, watcher)
    finally:
        watcher.stopped.set()
        watcher.join()
        for server in servers:
            server.stop()


def measure(servers, room, clients, rate, cookies, watcher) -> dict:
    context = multiprocessing.get_context("fork")
    sockets = [(servers[i % len(servers)].port, cookies[i % len(cookies)]) for i in range(clients)]
    senders = min(SENDERS, clients)
    if rate == "max":
        total = MAX_RATE_MESSAGES
        interval = 0.0
    else:
        total = rate * FIXED_RATE_SECONDS
        interval = senders / rate
    per_sender = total // senders
    total = per_sender * senders
    workers = min(CLIENT_PROCESSES, clients)
    go, all_sent = context.Event(), context.Event()
    results = context.Queue()
    started, sent_flags = [], []
    for w in range(workers):
        mine = list(range(w, clients, workers))
        local_senders = [i for i, global_index in enumerate(mine) if global_index < senders]
        ready, sent_done = context.Event(), context.Event()
        job = {
            "worker": w,
            "room_id": room.pk,
            "sockets": [sockets[i] for i in mine],
            "senders": local_senders,
            # Spread the senders' schedules evenly over one interval.
            "offsets": [mine[i] * interval / senders for i in local_senders],
            "per_sender": per_sender,
            "interval": interval,
            "expected_total": total,
            "ready": ready,
            "sent_done": sent_done,
            "go": go,
            "all_sent": all_sent,
        }
        process = context.Process(target=run_worker, args=(job, results))
        process.start()
        started.append((process, ready))
        sent_flags.append(sent_done)
    for _process, ready in started:
        ready.wait(300)
    time.sleep(1)
    go.set()
    for flag in sent_flags:
        flag.wait(300)
    all_sent.set()
    parts = [results.get(timeout=300) for _ in started]
    for process, _ready in started:
        process.join()

    sent = {}
    for part in parts:
        sent.update(part["sent"])
    latencies = []
    delivered = 0
    first_send = min(sent.values())
    last_receive = first_send
    for part in parts:
        for received in part["received"]:
            for body, at in received.items():
                if body in sent:
                    delivered += 1
                    latencies.append((at - sent[body]) * 1000)
                    last_receive = max(last_receive, at)
    expected = len(sent) * clients
    latencies.sort()

    def percentile(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))], 1)

    return {
        "processes": len(servers),
        "clients": clients,
        "rate": rate,
        "messages": len(sent),
        "acked": sum(part["acked"] for part in parts),
        "delivered": delivered,
        "delivered_per_s": round(delivered / max(last_receive - first_send, 1e-9)),
        "latency_ms": {
            "p50": percentile(0.50),
            "p95": percentile(0.95),
            "p99": percentile(0.99),
            "max": round(latencies[-1], 1),
            "mean": round(statistics.fmean(latencies), 1),
        },
        "lost": expected - delivered,
        "duplicated": sum(part["duplicated"] for part in parts),
        "peak_pg_connections": watcher.peak,
        "flood_limit": FLOOD_LIMIT,
    }


def table(results: list[dict]) -> None:
    out(
        f"{'K':>2} {'N':>4} {'rate':>5} {'msgs':>5} {'deliv/s':>8} {'p50':>7} {'p95':>7} "
        f"{'p99':>7} {'max':>7} {'lost':>5} {'dup':>4} {'pg':>3}"
    )
    for r in results:
        lat = r["latency_ms"]
        out(
            f"{r['processes']:>2} {r['clients']:>4} {r['rate']!s:>5} {r['messages']:>5} "
            f"{r['delivered_per_s']:>8} {lat['p50']:>7} {lat['p95']:>7} {lat['p99']:>7} "
            f"{lat['max']:>7} {r['lost']:>5} {r['duplicated']:>4} {r['peak_pg_connections']:>3}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--clients", type=int, nargs="+", default=[10, 100, 300])
    parser.add_argument("--rates", nargs="+", default=["10", "50", "max"])
    parser.add_argument("--name", default="chat_fanout", help="results file name (no suffix)")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        sys.exit("Set DATABASE_URL and REDIS_URL (the benchmark runs the served mode).")
    setup_django()
    study, users, cookies = members_and_cookies(min(MAX_MEMBERS, max(args.clients)))
    out(
        f"Flood limit raised to {FLOOD_LIMIT} messages per 10 s for this benchmark; "
        f"{SENDERS} senders; fixed rates run {FIXED_RATE_SECONDS} s, 'max' sends "
        f"{MAX_RATE_MESSAGES} messages with {MAX_RATE_WINDOW} unacknowledged per sender."
    )
    load_at_start = round(os.getloadavg()[0], 2)
    results = []
    for processes in args.processes:
        for clients in args.clients:
            for rate in args.rates:
                rate = rate if rate == "max" else int(rate)
                result = run_scenario(processes, clients, rate, study, users, cookies)
                results.append(result)
                table([result])
    out()
    table(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    document = {
        "benchmark": "chat_fanout",
        "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        # The machine is shared: its load says how much of it the benchmark had.
        "load_average_1m": {"start": load_at_start, "end": round(os.getloadavg()[0], 2)},
        "channel_layer": _layer_description(),
        "results": results,
    }
    path = RESULTS / f"{args.name}.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    out(f"\nWritten to {path.relative_to(ROOT)}")


def _layer_description() -> dict:
    from django.conf import settings

    layer = settings.CHANNEL_LAYERS["default"]
    config = {k: v for k, v in layer.get("CONFIG", {}).items() if k != "hosts"}
    return {"backend": layer["BACKEND"], **config}


if __name__ == "__main__":
    main()

"""Page benchmark: server time and SQL queries of the busiest pages at 10,000 studies.

Seeds its own database (DATABASE_URL; `make bench-pages` uses cohort_bench_pages) with 10,000
studies (Korean and English titles, descriptions and tags, 2 to 20 members each) and 20,000
board posts, once; later runs reuse it (`--reseed` starts over). Then it serves Cohort on that
database as the README does (uvicorn, `python -m config.serve`), logs in as a member of the
busiest study and measures, over keep-alive HTTP, the median and p95 of each page (requested
in rounds, one request of each page per round); the SQL queries of each page are counted
in-process on the same URLs. Prints a table and writes bench/results/pages.json.

    python bench/pages.py                # --requests 100 per page
    python bench/pages.py --reseed
"""

import argparse
import http.client
import json
import os
import platform
import random
import statistics
import sys
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from chat_room import (  # noqa: E402
    Server,
    cpu_probe_ms,
    ensure_database,
    out,
    server_environment,
)

STUDIES = 10_000
POSTS = 20_000
USERS = 2_000
# The reader's own study holds this many of the posts; the rest are spread over other studies.
HOT_STUDY_POSTS = 2_000
POSTS_PER_OTHER_STUDY = 200
CHAT_MESSAGES = 200
WARMUP = 5
IN_PROCESS_REQUESTS = 20
HOT_TITLE = "장고와 채널스로 실시간 웹 개발"

KO_TOPICS = [
    "파이썬", "장고", "자바스크립트", "리액트", "알고리즘", "자료구조", "머신러닝", "딥러닝",
    "데이터분석", "토익", "정보처리기사", "코딩테스트", "운영체제", "네트워크", "데이터베이스",
    "스프링", "쿠버네티스", "도커", "영어회화", "일본어", "통계학", "선형대수", "리눅스",
    "보안", "클라우드", "타입스크립트", "채널스", "실시간 웹", "컴파일러", "시스템 설계",
]  # fmt: skip
KO_TITLES = [
    "{a}와 {b}로 배우는 {c}", "{a} 스터디원 모집합니다", "주말 {a} 함께 공부해요",
    "{a} 기초부터 실전까지", "{a}를 활용한 {b} 프로젝트", "매일 {a} 문제 풀이",
    "직장인 {a} 스터디", "{a} 책 읽기 모임", "{a}와 {b} 면접 준비", "대학생 {a} 스터디",
]  # fmt: skip
KO_SENTENCES = [
    "매주 토요일 오전에 온라인으로 만나요.", "{a} 공식 문서를 함께 읽고 정리합니다.",
    "초보자도 환영해요.", "{a}와 {b}를 실습 위주로 공부합니다.", "매주 과제를 하나씩 제출해요.",
    "스터디가 끝나면 작은 프로젝트를 발표합니다.", "질문은 언제든 채팅방에 남겨 주세요.",
    "{a} 관련 논문을 한 편씩 발표합니다.",
]  # fmt: skip
EN_TOPICS = [
    "Python", "Django", "JavaScript", "React", "algorithms", "data structures",
    "machine learning", "deep learning", "statistics", "Linux", "Kubernetes", "Docker",
    "Rust", "Go", "SQL", "TypeScript", "system design", "compilers", "networking", "security",
]  # fmt: skip
EN_TITLES = [
    "Learning {a} together", "{a} for beginners", "Weekly {a} papers", "{a} interview prep",
    "Reading {a} papers", "{a} and {b} in practice", "Mastering {a}", "{a} study group",
    "Evening {a} sessions", "Building projects with {a} and {b}",
]  # fmt: skip
EN_SENTENCES = [
    "We meet online every Saturday morning.", "We read the {a} documentation and take notes.",
    "Beginners are welcome.", "Hands-on practice with {a} and {b}.",
    "One assignment a week, reviewed by the group.", "We finish with a small {a} project.",
    "Ask anything in the chat room.", "Each week someone presents a paper on {a}.",
]  # fmt: skip
TAGS = [
    "python", "django", "javascript", "react", "algorithms", "ml", "deep-learning",
    "statistics", "linux", "kubernetes", "docker", "rust", "go", "sql", "typescript",
    "system-design", "interview", "papers", "toeic", "english", "japanese", "코딩테스트",
    "알고리즘", "파이썬", "장고", "자격증", "정보처리기사", "토익", "영어회화", "취업",
    "포트폴리오", "백엔드", "프론트엔드", "데이터분석", "머신러닝", "클라우드", "보안", "주말",
    "직장인", "대학생",
]  # fmt: skip


def study_text(rng: random.Random, korean: bool) -> tuple[str, str]:
    topics, titles, sentences = (
        (KO_TOPICS, KO_TITLES, KO_SENTENCES) if korean else (EN_TOPICS, EN_TITLES, EN_SENTENCES)
    )
    a, b, c = rng.sample(topics, 3)
    title = rng.choice(titles).format(a=a, b=b, c=c)
    body = " ".join(
        rng.choice(sentences).format(a=rng.choice(topics), b=rng.choice(topics))
        for _ in range(rng.randint(2, 5))
    )
    return title[:1].upper() + title[1:], body


def setup_django() -> None:
    ensure_database(os.environ["DATABASE_URL"])
    # The same settings as the server it starts, so that both share sessions and hosts.
    os.environ.update(server_environment())
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def seeded() -> bool:
    from board.models import Post
    from studies.models import Study

    return Study.objects.count() == STUDIES and Post.objects.count() == POSTS


def seed() -> None:
    """Fill the benchmark database; bulk writes, so the stored documents come from triggers."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from accounts.models import User
    from board.models import Post, Task
    from chat.models import Category, Message, Room
    from studies.models import Membership, Study, Tag

    call_command("flush", interactive=False, verbosity=0)
    rng = random.Random(16)
    today = datetime.now(UTC).date()
    with transaction.atomic():
        User.objects.bulk_create(
            User(username=f"user{n:04d}", display_name=f"User {n}", password="!")
            for n in range(USERS)
        )
        users = list(User.objects.order_by("pk").values_list("pk", flat=True))
        Tag.objects.bulk_create(Tag(name=name) for name in TAGS)
        tags = list(Tag.objects.values_list("pk", flat=True))
        studies = []
        for n in range(STUDIES):
            if n == 0:
                title, description = HOT_TITLE, "채널스로 실시간 채팅을 만들어요."
            else:
                title, description = study_text(rng, korean=rng.random() < 0.5)
            start = today + timedelta(days=rng.randint(-60, 60))
            status = rng.choices(["recruiting", "in_progress", "completed"], [6, 3, 1])[0]
            studies.append(
                Study(
                    owner_id=users[0] if n == 0 else rng.choice(users),
                    title=title,
                    description=description,
                    start_date=start,
                    end_date=start + timedelta(days=rng.randint(14, 120)),
                    recruitment_deadline=start - timedelta(days=rng.randint(0, 14)),
                    capacity=12 if n == 0 else rng.randint(3, 20),
                    status="recruiting" if n == 0 else status,
                )
            )
        studies = Study.objects.bulk_create(studies, batch_size=2000)
        links, memberships = [], []
        for study in studies:
            for tag in rng.sample(tags, rng.randint(1, 4)):
                links.append(Study.tags.through(study_id=study.pk, tag_id=tag))
            others = rng.sample(users, rng.randint(1, study.capacity - 1))
            members = [study.owner_id] + [u for u in others if u != study.owner_id]
            memberships += [Membership(study_id=study.pk, user_id=u) for u in members]
        Study.tags.through.objects.bulk_create(links, batch_size=5000)
        Membership.objects.bulk_create(memberships, batch_size=5000)
        with connection.cursor() as cursor:
            # Spread creation over the past months, newest last, as real sign-ups would be.
            cursor.execute(
                "UPDATE studies_study SET created_at = now() - (%s - id) * interval '17 minutes'",
                [studies[-1].pk],
            )
        hot = studies[0]
        posting = [hot] + rng.sample(
            studies[1:], (POSTS - HOT_STUDY_POSTS) // POSTS_PER_OTHER_STUDY
        )
        members_of = {}
        for membership in Membership.objects.filter(study__in=posting).values("study", "user"):
            members_of.setdefault(membership["study"], []).append(membership["user"])
        posts = []
        for study in posting:
            task = Task.objects.create(study=study, title="Week 1", created_by_id=study.owner_id)
            count = HOT_STUDY_POSTS if study is hot else POSTS_PER_OTHER_STUDY
            for _ in range(count):
                title, body = study_text(rng, korean=rng.random() < 0.5)
                posts.append(
                    Post(
                        study=study,
                        task=task,
                        author_id=rng.choice(members_of[study.pk]),
                        title=title,
                        body=body,
                        body_html=f"<p>{body}</p>",
                    )
                )
        Post.objects.bulk_create(posts, batch_size=2000)
        room = Room.objects.create(study=hot, category=Category.GENERAL, creator_id=users[0])
        Message.objects.bulk_create(
            Message(
                room=room,
                seq=seq,
                author_id=rng.choice(members_of[hot.pk]),
                body=study_text(rng, korean=True)[1],
                client_id=f"bench-{seq}",
            )
            for seq in range(1, CHAT_MESSAGES + 1)
        )
        Room.objects.filter(pk=room.pk).update(last_seq=CHAT_MESSAGES)
    with connection.cursor() as cursor:
        # The tag triggers and the dating above rewrote every study row once more. The plain
        # VACUUM after the rewrite marks the pages all-visible, as autovacuum does on a live
        # database, so that counts can be answered from an index alone.
        cursor.execute("VACUUM FULL ANALYZE")
        cursor.execute("VACUUM")


def pages() -> tuple[object, list[tuple[str, str]]]:
    """Return the reader (a member of the busiest study) and the (kind, URL) pairs to measure."""
    from django.urls import reverse

    from accounts.models import User
    from chat.models import Room
    from studies.models import Study

    hot = Study.objects.get(title=HOT_TITLE)
    reader = User.objects.get(pk=hot.owner_id)
    room = Room.objects.get(study=hot)
    explore = reverse("studies:explore")

    search = reverse("board:search", args=[hot.pk])

    def query(**params) -> str:
        return f"{explore}?{urllib.parse.urlencode(params)}"

    return reader, [
        ("explore", explore),
        ("explore_q_english", query(q="learn")),
        ("explore_q_english_prefix", query(q="pap")),
        ("explore_q_korean_partial", query(q="장고")),
        ("explore_q_mixed", query(q="장고 django")),
        ("explore_tag", query(tag="python")),
        ("explore_open_seats", query(open_seats="on")),
        ("study_page", reverse("studies:detail", args=[hot.pk])),
        ("board_search_korean", f"{search}?{urllib.parse.urlencode({'q': '스터디'})}"),
        ("board_search_english", f"{search}?q=papers"),
        ("chat_room", reverse("chat:room", args=[room.pk])),
    ]


def in_process(reader, url: str, requests: int) -> dict:
    """Serve `url` in this process: its SQL queries, and medians of CPU time and SQL time.

    The CPU time (time.process_time) is the Django side's own work, which a loaded machine
    inflates far less than wall time; the SQL time is the wall time spent in the database.
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(reader)
    client.get(url)  # the session and anything cached, as in the timed runs
    counts, cpu, sql = [], [], []
    for _ in range(requests):
        with CaptureQueriesContext(connection) as queries:
            started = time.process_time()
            response = client.get(url)
            cpu.append((time.process_time() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        counts.append(len(queries))
        sql.append(sum(float(query["time"]) for query in queries.captured_queries) * 1000)
    return {
        "queries": max(counts),
        "django_cpu_median_ms": round(statistics.median(cpu), 2),
        "sql_median_ms": round(statistics.median(sql), 2),
    }


def session_cookie(reader) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(reader)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def time_pages(port: int, urls: list[str], cookie: str, requests: int) -> list[list[float]]:
    """Time every URL `requests` times over one keep-alive connection, in rounds.

    Each round requests every URL once, so that a machine that slows down or speeds up during
    the run (a shared VM does) weighs on every page alike.
    """
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie, "Host": "127.0.0.1"}
    timings = [[] for _ in urls]
    for n in range(WARMUP + requests):
        for url, page_timings in zip(urls, timings, strict=True):
            start = time.perf_counter()
            connection.request("GET", url, headers=headers)
            response = connection.getresponse()
            response.read()
            elapsed = (time.perf_counter() - start) * 1000
            if response.status != 200:
                raise RuntimeError(f"{url} answered {response.status}")
            if n >= WARMUP:
                page_timings.append(elapsed)
    connection.close()
    return timings


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100, help="timed requests per page")
    parser.add_argument("--reseed", action="store_true", help="seed again from scratch")
    parser.add_argument("--output", default=str(RESULTS / "pages.json"))
    args = parser.parse_args()

    setup_django()
    from board.models import Post
    from studies.models import Study

    if args.reseed or not seeded():
        out(f"seeding {STUDIES} studies and {POSTS} posts ...")
        started = time.monotonic()
        seed()
        out(f"seeded in {time.monotonic() - started:.0f} s")
    studies, posts = Study.objects.count(), Post.objects.count()
    reader, urls = pages()
    cookie = session_cookie(reader)
    load_before, probe_before = os.getloadavg(), cpu_probe_ms()
    server = Server()
    rows = []
    try:
        timings_of = time_pages(server.port, [url for _, url in urls], cookie, args.requests)
        for (kind, url), timings in zip(urls, timings_of, strict=True):
            rows.append(
                {
                    "url_kind": kind,
                    "url": url,
                    "studies": studies,
                    "posts": posts,
                    "median_ms": round(statistics.median(timings), 2),
                    "p95_ms": round(percentile(timings, 95), 2),
                    "requests": len(timings),
                    **in_process(reader, url, IN_PROCESS_REQUESTS),
                }
            )
    finally:
        server.stop()
    load_after, probe_after = os.getloadavg(), cpu_probe_ms()
    out(f"{'page':<26} {'queries':>7} {'median ms':>10} {'p95 ms':>8} {'cpu ms':>7} {'sql ms':>7}")
    for row in rows:
        out(
            f"{row['url_kind']:<26} {row['queries']:>7} {row['median_ms']:>10.2f} "
            f"{row['p95_ms']:>8.2f} {row['django_cpu_median_ms']:>7.2f} "
            f"{row['sql_median_ms']:>7.2f}"
        )
    out(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    out(f"CPU probe (chat_room.cpu_probe_ms) before {probe_before} ms, after {probe_after} ms")
    result = {
        "benchmark": "pages",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, shared",
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "cpu_probe_ms": {"before": probe_before, "after": probe_after},
        "timing": (
            "median_ms/p95_ms: client-side wall time per request over keep-alive HTTP to one "
            "uvicorn process, as the README serves Cohort; django_cpu_median_ms/sql_median_ms: "
            "the same URL served in-process"
        ),
        "pages": rows,
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    out(f"wrote {args.output}")


if __name__ == "__main__":
    main()

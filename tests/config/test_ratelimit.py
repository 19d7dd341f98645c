"""The one rate limiter, with an injected clock instead of sleeps: on the real Redis cache (one
Lua script per hit, a pipeline per batch) and on the embedded default's local-memory cache."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache
from django.db import connection

from config.ratelimit import UNREACHABLE_RETRY_AFTER_S, RateLimit, Unreachable
from tests.clock import Clock


@pytest.fixture(
    autouse=True,
    params=["redis", pytest.param("locmem", marks=pytest.mark.embedded)],
)
def backend(request, settings):
    """Every test runs on the served Redis cache and on the embedded default's cache."""
    if request.param == "locmem":
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
        # Local-memory caches outlive the settings that made them: start each test empty.
        cache.clear()
    return request.param


@pytest.fixture
def clock():
    return Clock()


def test_admits_up_to_the_limit_then_says_how_long_to_wait(clock):
    limit = RateLimit("t", limit=3, window_s=10, clock=clock)
    assert [limit.hit("k") for _ in range(3)] == [None, None, None]
    clock.now += 4
    assert limit.hit("k") == pytest.approx(6, abs=0.01)


def test_the_window_slides_and_refused_hits_do_not_count(clock):
    limit = RateLimit("t", limit=2, window_s=10, clock=clock)
    assert limit.hit("k") is None
    clock.now += 5
    assert limit.hit("k") is None
    for _ in range(5):
        assert limit.hit("k") is not None
    clock.now += 5
    # The first hit left the window; the refused ones were never counted.
    assert limit.hit("k") is None
    assert limit.hit("k") is not None


def test_keys_and_scopes_are_counted_apart(clock):
    first = RateLimit("a", limit=1, window_s=60, clock=clock)
    other_scope = RateLimit("b", limit=1, window_s=60, clock=clock)
    assert first.hit("k") is None
    assert first.hit("k") is not None
    assert first.hit("other") is None
    assert other_scope.hit("k") is None


def test_long_windows_use_coarser_buckets_and_still_expire(clock):
    limit = RateLimit("t", limit=2, window_s=900, clock=clock)
    assert limit.hit("k") is None
    assert limit.hit("k") is None
    wait = limit.hit("k")
    assert 885 <= wait <= 900
    clock.now += wait
    assert limit.hit("k") is None


def test_blocked_for_reads_without_counting_and_reset_clears(clock):
    limit = RateLimit("t", limit=2, window_s=10, clock=clock)
    assert limit.blocked_for("k") is None
    limit.hit("k")
    assert limit.blocked_for("k") is None
    limit.hit("k")
    assert limit.blocked_for("k") == pytest.approx(10, abs=0.01)
    assert limit.blocked_for("k") == pytest.approx(10, abs=0.01)
    limit.reset("k")
    assert limit.blocked_for("k") is None
    assert limit.hit("k") is None


def test_settings_are_read_at_each_hit(clock, settings):
    settings.CHAT_FLOOD_LIMIT = 1
    limit = RateLimit("t", limit=lambda: settings.CHAT_FLOOD_LIMIT, window_s=10, clock=clock)
    assert limit.hit("k") is None
    assert limit.hit("k") is not None
    settings.CHAT_FLOOD_LIMIT = 3
    assert limit.hit("k") is None


def test_concurrent_hits_are_counted_exactly(clock):
    limit = RateLimit("t", limit=30, window_s=60, clock=clock)

    def hit(_):
        try:
            return limit.hit("shared")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(hit, range(50)))
    assert results.count(None) == 30


def test_a_batch_counts_like_hits_one_by_one(clock):
    batch = RateLimit("batch", limit=2, window_s=10, clock=clock)
    single = RateLimit("single", limit=2, window_s=10, clock=clock)
    keys = ["a", "b", "a", "a", "b", "c", "b"]
    assert batch.hit_many(keys) == [single.hit(key) for key in keys]
    assert batch.hit_many(["a"]) == [pytest.approx(10, abs=0.01)]
    clock.now += 10
    assert batch.hit_many(["a", "a", "a"])[:2] == [None, None]


def test_a_refused_hit_in_a_batch_says_how_long_to_wait(clock):
    limit = RateLimit("t", limit=2, window_s=10, clock=clock)
    assert limit.hit("k") is None
    clock.now += 3
    admitted, refused = limit.hit_many(["k", "k"])
    assert admitted is None
    assert refused == pytest.approx(7, abs=0.01)
    assert limit.blocked_for("k") == pytest.approx(7, abs=0.01)


@pytest.fixture
def cache_down(settings):
    """Point the cache at a port where no Redis listens."""
    from tests.servers import free_port

    config = dict(settings.CACHES["default"])
    config["LOCATION"] = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {"default": config}


# Only Redis can be out of reach: the local-memory cache is in the process.
@pytest.mark.parametrize("backend", ["redis"], indirect=True)
def test_an_unreachable_cache_admits_by_default(cache_down, clock):
    limit = RateLimit("t", limit=1, window_s=10, clock=clock)
    assert [limit.hit("k") for _ in range(3)] == [None, None, None]
    assert limit.hit_many(["k", "k"]) == [None, None]
    assert limit.blocked_for("k") is None


@pytest.mark.parametrize("backend", ["redis"], indirect=True)
def test_an_unreachable_cache_refuses_where_the_limiter_says_so(cache_down, clock):
    limit = RateLimit("t", limit=1, window_s=10, clock=clock, when_unreachable=Unreachable.REFUSE)
    assert limit.hit("k") == UNREACHABLE_RETRY_AFTER_S
    assert limit.hit_many(["k", "j"]) == [UNREACHABLE_RETRY_AFTER_S] * 2
    assert limit.blocked_for("k") == UNREACHABLE_RETRY_AFTER_S

"""Two members meet in a real call, relayed by a real coturn, all on a private loopback.

The server, coturn and Chromium run in a network namespace that has only `lo` (tests/rtc/netns.py),
so no media or signalling can leave the machine, and `iceTransportPolicy: "relay"` forces both
browsers through coturn. The namespace reaches the suite's real PostgreSQL and Redis through
socat bridges over unix sockets, so the server serves the test database on the Redis channel layer
like every other browser test (no SQLite, no in-memory layer).
"""

import json
import secrets
import sys
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from rtc.models import CallParticipant
from tests.conftest import CHROMIUM_ARGS, in_thread, log_in
from tests.rtc.conftest import make_study
from tests.rtc.coturn import CoturnProcess
from tests.rtc.netns import PrivateNetwork
from tests.servers import ROOT, free_port, served_environment

pytestmark = [pytest.mark.browser, pytest.mark.media, pytest.mark.django_db(transaction=True)]

CALL_TIMEOUT_MS = 45000
POLL_MS = 250

# Keep every RTCPeerConnection the page makes, so the test can read its stats.
RECORD_CONNECTIONS = """
(() => {
  const Original = window.RTCPeerConnection;
  window.__connections = [];
  window.RTCPeerConnection = function (...args) {
    const pc = new Original(...args);
    window.__connections.push(pc);
    return pc;
  };
  window.RTCPeerConnection.prototype = Original.prototype;
})();
"""

# Return what getStats() says about the page's connected peer connection.
READ_STATS = """
async () => {
  const pc = window.__connections.find((c) => c.connectionState === "connected");
  if (!pc) return null;
  const stats = [...(await pc.getStats()).values()];
  const byId = Object.fromEntries(stats.map((s) => [s.id, s]));
  const transport = stats.find((s) => s.type === "transport" && s.selectedCandidatePairId);
  const pair = transport && byId[transport.selectedCandidatePairId];
  const inbound = (kind) => stats.find((s) => s.type === "inbound-rtp" && s.kind === kind) || {};
  return {
    policy: pc.getConfiguration().iceTransportPolicy,
    local: pair ? byId[pair.localCandidateId].candidateType : null,
    remote: pair ? byId[pair.remoteCandidateId].candidateType : null,
    framesDecoded: inbound("video").framesDecoded || 0,
    audioPackets: inbound("audio").packetsReceived || 0,
  };
}
"""


def media_flowing(page) -> dict | None:
    """Return the page's stats once video frames are decoded and audio packets arrive."""
    # Polled from here: wait_for_function's predicate is eval'd in the page, which CSP forbids.
    stats = None
    for _ in range(CALL_TIMEOUT_MS // POLL_MS):
        stats = page.evaluate(READ_STATS)
        if stats and stats["framesDecoded"] > 0 and stats["audioPackets"] > 0:
            break
        page.wait_for_timeout(POLL_MS)
    return stats


def lose_seat(peer_id: str) -> None:
    """Make a participant look like a crashed process's, and sweep it."""
    stale = timezone.now() - timedelta(seconds=settings.RTC_PARTICIPANT_TTL + 5)
    CallParticipant.objects.filter(peer_id=peer_id).update(seen_at=stale)
    call_command("rtc_sweep")


@pytest.fixture
def study(alice, bob):
    return make_study(alice, bob)


def test_two_members_call_through_coturn_relay_only(tmp_path, study):
    from playwright.sync_api import expect, sync_playwright

    network = PrivateNetwork(tmp_path)
    network.start()
    try:
        assert network.interfaces() == ["lo"]
        database = settings.DATABASES["default"]
        network.bridge("postgres", database["HOST"], int(database["PORT"] or 5432))
        redis = urlsplit(settings.REDIS_URL)
        network.bridge("redis", redis.hostname, redis.port or 6379)

        secret = secrets.token_urlsafe(24)
        coturn = CoturnProcess(tmp_path, secret, prefix=network.enter)
        coturn.start()
        network.processes.append(coturn.process)

        port = free_port()
        env = served_environment()
        # redis-py 8 times reads out after 5 s by default, exactly channels_redis's BZPOPMIN
        # wait: an idle consumer sometimes crashes with "Timeout reading". The bridge's extra
        # hop makes that likely here; a longer read timeout keeps this test about the call.
        env["REDIS_URL"] = f"{settings.REDIS_URL}?socket_timeout=30"
        env.update(TURN_URLS=coturn.url, TURN_SECRET=secret, RTC_ICE_TRANSPORT_POLICY="relay")
        with open(tmp_path / "server.log", "wb") as log:
            server = network.spawn(
                [*network.enter, sys.executable, "-m", "config.serve", "--port", str(port)],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=log,
            )
        base_url = f"http://127.0.0.1:{port}"
        network.wait_for_http(f"{base_url}/healthz", server)

        # Playwright drives Chromium over pipes, which nsenter passes on unchanged.
        chromium = tmp_path / "chromium-in-namespace"
        chromium.write_text(f'#!/bin/sh\nexec {" ".join(network.enter)} /usr/bin/chromium "$@"\n')
        chromium.chmod(0o755)
        args = CHROMIUM_ARGS + [
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            "--allow-loopback-in-peer-connection",
            "--autoplay-policy=no-user-gesture-required",
        ]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(chromium), headless=True, args=args
            )
            pages, errors = [], []
            for username in ("alice", "bob"):
                context = browser.new_context(permissions=["camera", "microphone"])
                context.add_init_script(RECORD_CONNECTIONS)
                page = context.new_page()
                page.on("pageerror", lambda error: errors.append(str(error)))
                log_in(page, base_url, username)
                page.goto(f"{base_url}/studies/{study.pk}/call/")
                pages.append(page)

            results = [media_flowing(page) for page in pages]
            states = [
                page.locator("[data-peer-id]").get_attribute("data-connection-state")
                for page in pages
            ]
            names = [page.locator("[data-peer-id] [data-tile-name]").inner_text() for page in pages]

            # Bob mutes: Alice sees it. Bob leaves: his tile goes from Alice's page.
            alice_page, bob_page = pages
            bob_page.click("[data-action=mic]")
            expect(alice_page.locator("[data-peer-id] [data-tile-media]")).to_have_text("muted")
            bob_page.click("[data-action=screen]")
            expect(alice_page.locator("[data-peer-id] [data-tile-media]")).to_have_text(
                "muted · sharing screen"
            )
            bob_page.click("[data-action=screen]")
            expect(alice_page.locator("[data-peer-id] [data-tile-media]")).to_have_text("muted")

            # Bob's seat is lost (swept as stale): his page re-joins and the call comes back.
            old_peer = alice_page.locator("[data-peer-id]").get_attribute("data-peer-id")
            in_thread(lose_seat, bob_page.evaluate("document.body.dataset.callPeerId"))
            expect(alice_page.locator("[data-peer-id]")).not_to_have_attribute(
                "data-peer-id", old_peer, timeout=15000
            )
            rejoined = media_flowing(alice_page)
            bob_page.click("[data-action=leave]")
            bob_page.wait_for_url(f"{base_url}/studies/{study.pk}/")
            alice_page.locator("[data-peer-id]").wait_for(state="detached", timeout=10000)
            expect(alice_page.locator("[data-call-status]")).to_have_text(
                "You are the only one here. Others will appear as they join."
            )
            browser.close()

        assert states == ["connected", "connected"]
        assert rejoined is not None and rejoined["local"] == "relay"
        assert rejoined["framesDecoded"] > 0
        for result in results:
            assert result is not None
            assert result["policy"] == "relay"
            assert (result["local"], result["remote"]) == ("relay", "relay"), json.dumps(result)
            assert result["framesDecoded"] > 0
            assert result["audioPackets"] > 0
        assert names == ["Bob", "Alice"]
        assert errors == []
        # Its normal 401 challenges are not errors; a refused credential would be.
        assert "ERROR" not in coturn.log(), coturn.log()[-2000:]
    finally:
        network.stop()

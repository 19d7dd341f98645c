"""How Cohort is served: `python -m config.serve [--host H] [--port P] [--proxy-headers]`.

The one place that says which ASGI server runs the app and with what; `make run`, the
Dockerfile, Compose, Kubernetes, the served tests and the benchmarks all start it this way.

uvicorn with uvloop, httptools and the websockets library: measured against daphne with the
independent client, one process writing a chat room of 100 at 50 messages/s had p99 of
seconds on daphne (Twisted and autobahn framing, one Python write per socket) and about
0.1 s on uvicorn (bench/README.md). daphne stays installed: Channels' `runserver` uses it.

- No per-message deflate: a chat frame is encoded once and written as it is to every socket
  of the room; compressing it again for each socket would cost more than the bytes it saves.
- Behind a proxy, `--proxy-headers` takes the client's address and scheme from
  X-Forwarded-For / X-Forwarded-Proto sent by the addresses in FORWARDED_ALLOW_IPS
  (default: loopback only; `*` where nothing but the proxy can reach the process).
- On SIGTERM open sockets are closed (1012, "service restart", which clients reconnect on)
  and the process exits within SHUTDOWN_TIMEOUT_S.
"""

import argparse
import os

import uvicorn

APPLICATION = "config.asgi:application"
SHUTDOWN_TIMEOUT_S = 10


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve Cohort (config.asgi) with uvicorn.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--proxy-headers",
        action="store_true",
        help="trust X-Forwarded-For/-Proto from FORWARDED_ALLOW_IPS (behind a proxy)",
    )
    parser.add_argument("--application", default=APPLICATION, help="module:attribute")
    args = parser.parse_args(argv)
    uvicorn.run(
        args.application,
        host=args.host,
        port=args.port,
        loop="uvloop",
        http="httptools",
        ws="websockets",
        ws_per_message_deflate=False,
        lifespan="off",
        proxy_headers=args.proxy_headers,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        server_header=False,
        timeout_graceful_shutdown=SHUTDOWN_TIMEOUT_S,
        log_level=os.environ.get("LOG_LEVEL", "info").lower(),
    )


if __name__ == "__main__":
    main()

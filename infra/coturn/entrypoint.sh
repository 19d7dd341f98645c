#!/bin/sh
# Start coturn with the shared secret from the environment, never from a committed file.
set -eu
: "${TURN_SECRET:?TURN_SECRET must be set (the same value as the app's TURN_SECRET)}"
set -- -c /etc/coturn/turnserver.conf --static-auth-secret="$TURN_SECRET" "$@"
if [ -n "${TURN_REALM:-}" ]; then
    set -- "$@" --realm="$TURN_REALM"
fi
if [ -n "${TURN_EXTERNAL_IP:-}" ]; then
    set -- "$@" --external-ip="$TURN_EXTERNAL_IP"
fi
exec turnserver "$@"

#!/bin/bash
# make bench (bench/run.sh): a store write on a POP/IMAP host to OK from
# relayersd --redis on an MTA, through relayers-shipper and a Redis on a
# loopback port, ROUNDS times; prints p50 and p99 in milliseconds.
# A figure, never a pass/fail.  The store holds ENTRIES other entries
# (the shipper's raw comparison grows with the file).
#
# usage: redis_lag.sh BUILD_DIR [ROUNDS] [ENTRIES]
set -eu
B=$(cd "$1" && pwd)
ROUNDS=${2:-100}
ENTRIES=${3:-0}
command -v redis-server >/dev/null || { echo "redis-server not installed"; exit 0; }
T=$(mktemp -d /tmp/relayers-redis-lag.XXXXXX)
PIDS=""
cleanup() { for p in $PIDS; do kill -TERM "$p" 2>/dev/null || true; done; wait; rm -rf "$T"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --protected-mode yes --dir "$T" \
	--save '' --appendonly no >"$T/redis.log" 2>&1 &
PIDS="$PIDS $!"
mkdir -m 0755 "$T/h"
S=$T/h/s.tdb
if [ "$ENTRIES" -gt 0 ]; then "$B/bench/store_fill" "$S" "$ENTRIES" >/dev/null; fi
"$B/vsmtprelay" -f "$S" add 198.51.100.1 >/dev/null
sleep 0.3
"$B/relayers-shipper" -v -f "$S" --host bench --max-age 30 --redis "127.0.0.1:$port" 2>"$T/ship.log" &
PIDS="$PIDS $!"
"$B/relayersd" --max-age 30 --redis "127.0.0.1:$port" --listen "unix:$T/sock" 2>"$T/rd.log" &
PIDS="$PIDS $!"
# The first full sync done, the rounds measure changes only.
i=0
until grep -q 'full sync' "$T/ship.log" 2>/dev/null || [ $i -gt 600 ]; do sleep 0.05; i=$((i + 1)); done
python3 - "$B/vsmtprelay" "$S" "$T/sock" "$ROUNDS" "$ENTRIES" <<'PY'
import socket, subprocess, sys, time
vsmtprelay, store, sock, rounds, entries = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]

def ask(key):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(sock)
    p = ("relayers " + key).encode()
    s.sendall(str(len(p)).encode() + b":" + p + b",")
    d = b""
    while not d.endswith(b","):
        c = s.recv(4096)
        if not c:
            break
        d += c
    s.close()
    return d[d.index(b":") + 1:-1].decode()

for _ in range(200):
    try:
        if ask("198.51.100.1").startswith("OK"):
            break
    except OSError:
        pass
    time.sleep(0.05)
lags = []
for i in range(rounds):
    addr = "203.0.113.%d" % (i % 250 + 1) if i < 250 else "2001:db8::%x" % i
    subprocess.run([vsmtprelay, "-f", store, "delete", addr], capture_output=True)
    t0 = time.monotonic()
    while ask(addr).startswith("OK") and time.monotonic() - t0 < 10:
        time.sleep(0.005)
    subprocess.run([vsmtprelay, "-f", store, "add", addr], check=True, capture_output=True)
    t0 = time.monotonic()
    while not ask(addr).startswith("OK"):
        if time.monotonic() - t0 > 10:
            break
    lags.append((time.monotonic() - t0) * 1000)
lags.sort()
print("  store write -> OK through relayersd --redis (%s other entries, %d rounds): "
      "p50 %.2f ms, p99 %.2f ms, max %.2f ms" % (entries, rounds, lags[len(lags) // 2],
      lags[min(len(lags) - 1, int(len(lags) * 0.99))], lags[-1]))
PY

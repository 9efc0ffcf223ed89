#!/bin/bash
# The figure the issue asks for: from "login answered OK" to "sendmail
# accepts RCPT" for the same client, with mapgen --watch keeping the map
# fresh.  Brings up the whole chain (tests/e2e/chain.sh), logs in from N
# fresh addresses one after another (IMAP through Dovecot), and after each
# login polls sendmail (a new SMTP session every 20 ms) until it relays.
#
#   tests/e2e/latency.sh [N]        (N >= 20, default 30; needs root)
#   CHAIN_MAPGEN_ARGS="--interval-ms 100" tests/e2e/latency.sh   (a faster poll)
#   CHAIN_MODE=socketmap tests/e2e/latency.sh    (relayersd instead of mapgen)
#
# Prints one line: login_to_relay_p50_ms=.. p99_ms=.. n=.. max_ms=..
# first_rcpt_relayed=K/N (p99 of fewer than 100 samples is their maximum;
# K of the N logins relayed at their first RCPT, with no retry).
cd "$(dirname "$0")/../.." || exit 1
: "${RELAYERS_BUILD:=build}"
RELAYERS_BUILD=$(cd "$RELAYERS_BUILD" && pwd)
export RELAYERS_BUILD
. tests/e2e/chain.sh

N=${1:-30}
[ "$N" -ge 20 ] 2>/dev/null || { echo "usage: latency.sh [N >= 20]" >&2; exit 64; }
DIR=$(mktemp -d /tmp/relayers-latency.XXXXXX)
trap 'chain_down "$DIR"; rm -rf "$DIR"' EXIT
chain_up "$DIR" "exclude=127.0.0.1 max_addrs=0" || exit 1

: > "$DIR/samples"
for i in $(seq 1 "$N"); do
	source=127.0.3.$i
	ok_ms=$("$E2E_PYTHON" tests/e2e/mail_login.py imap 127.0.0.1 "$CHAIN_IMAP_PORT" \
		"$CHAIN_USER" "$CHAIN_PASSWORD" "$source" | awk '$2 == "OK" { print $3 }')
	[ -n "$ok_ms" ] || { echo "latency.sh: login from $source failed" >&2; exit 1; }
	relayed=$("$E2E_PYTHON" tests/e2e/relay_wait.py "$source" "$CHAIN_SMTP_PORT" \
		friend@remote.example 30) ||
		{ echo "latency.sh: no relay for $source within 30 s" >&2; exit 1; }
	read -r relay_ms tries <<< "$relayed"
	echo "$((relay_ms - ok_ms)) $tries" >> "$DIR/samples"
done
sort -n "$DIR/samples" | awk '
	{ v[NR] = $1; if ($2 == 1) first++ }
	END {
		p50 = v[int((NR + 1) / 2)]
		i99 = int(NR * 0.99 + 0.999); if (i99 > NR) i99 = NR
		printf "login_to_relay_p50_ms=%d p99_ms=%d n=%d max_ms=%d first_rcpt_relayed=%d/%d\n",
			p50, v[i99], NR, v[NR], first, NR
	}'

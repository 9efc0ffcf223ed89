#!/bin/bash
# make demo: the whole chain on this machine, for a newcomer, in under a
# minute.  Dovecot and sendmail come up on loopback; a user checks her
# mail from two addresses, and someone tries a wrong password from a
# third; then the store, the map and sendmail's verdict for each address.
# Everything runs from a temporary directory and is torn down at the end;
# /etc is never touched.
set -u
cd "$(dirname "$0")/.."
: "${RELAYERS_BUILD:=build}"
RELAYERS_BUILD=$(cd "$RELAYERS_BUILD" && pwd)
export RELAYERS_BUILD
. tests/e2e/chain.sh

DEMO_DIR=$(mktemp -d /tmp/relayers-demo.XXXXXX)
chmod 0755 "$DEMO_DIR"
GOOD="127.0.0.2 127.0.0.3"
BAD=127.0.0.4
NEVER=127.0.0.5
RCPT=friend@remote.example

say() { printf '\n== %s\n' "$*"; }
# log_in PROTOCOL PORT PASSWORD SOURCE: one line, the server's answer.
log_in() {
	"$E2E_PYTHON" tests/e2e/mail_login.py "$1" 127.0.0.1 "$2" alice "$3" "$4" |
		awk '{ print "  " $1 ": " ($2 == "OK" ? "logged in" : "refused") }'
}
finish() {
	say "Tearing everything down"
	sendmail_stop "$DEMO_DIR/socketmap/sendmail" 2>/dev/null
	chain_relayersd_stop "$DEMO_DIR/socketmap"
	chain_down "$DEMO_DIR"
	rm -rf "$DEMO_DIR"
}
trap finish EXIT

[ "$(id -u)" -eq 0 ] || { echo "make demo runs servers as root; run it as root" >&2; exit 1; }
say "Starting Dovecot (IMAP, POP3), mapgen --watch and sendmail on loopback, PAM from examples/pam.d/dovecot"
# Loopback is excluded by default (sendmail relays for it anyway); the
# demo's clients are 127.0.0.x, so only 127.0.0.1 stays excluded here.
chain_up "$DEMO_DIR" "exclude=127.0.0.1" || { echo "could not start the chain" >&2; exit 1; }
echo "IMAP on 127.0.0.1:$CHAIN_IMAP_PORT, POP3 on :$CHAIN_POP3_PORT${CHAIN_SMTP_PORT:+, SMTP on :$CHAIN_SMTP_PORT}"

say "alice checks her mail over IMAP from 127.0.0.2 and over POP3 from 127.0.0.3"
log_in imap "$CHAIN_IMAP_PORT" secret 127.0.0.2
log_in pop3 "$CHAIN_POP3_PORT" secret 127.0.0.3

say "Someone tries alice's account with a wrong password from $BAD"
log_in imap "$CHAIN_IMAP_PORT" guess "$BAD"

say "The relay store (vsmtprelay dump): address, time of last login"
"$RELAYERS_BUILD/vsmtprelay" -f "$CHAIN_STORE" dump

say "Waiting for mapgen --watch to export the map, then sendmail's map (makemap -u hash)"
for source in $GOOD; do
	"$E2E_PYTHON" tests/e2e/relay_wait.py "$source" "$CHAIN_SMTP_PORT" "$RCPT" 10 >/dev/null
done
makemap -u hash "$CHAIN_MAP" 2>/dev/null

say "sendmail's answer to RCPT TO:<$RCPT> from each address"
for source in $GOOD $BAD $NEVER; do
	case $source in
	"$BAD") why="wrong password" ;;
	"$NEVER") why="never logged in" ;;
	*) why="logged in" ;;
	esac
	printf '%-10s (%s): %s\n' "$source" "$why" \
		"$(sendmail_rcpt "$source" "$CHAIN_SMTP_PORT" "$RCPT")"
done

say "Without the map: relayersd answers a second sendmail (RELAYERS_SOCKETMAP) from the store itself"
mkdir -p "$DEMO_DIR/socketmap"
map_port=$CHAIN_SMTP_PORT
if chain_relayersd_start "$DEMO_DIR/socketmap" &&
	chain_sendmail_start "$DEMO_DIR/socketmap" "local:$CHAIN_SOCKET"; then
	SOCKET_SMTP=$CHAIN_SMTP_PORT CHAIN_SMTP_PORT=$map_port
	echo "relayersd on $CHAIN_SOCKET, that sendmail on :$SOCKET_SMTP"
	echo "alice logs in from 127.0.0.6, and her mail client sends at once (no waiting for an export):"
	log_in imap "$CHAIN_IMAP_PORT" secret 127.0.0.6
	printf '%-10s (%s): %s\n' 127.0.0.6 "first RCPT after the login" \
		"$(sendmail_rcpt 127.0.0.6 "$SOCKET_SMTP" "$RCPT")"
	printf '%-10s (%s): %s\n' "$NEVER" "never logged in" \
		"$(sendmail_rcpt "$NEVER" "$SOCKET_SMTP" "$RCPT")"
else
	echo "relayersd or its sendmail did not start (see $DEMO_DIR/socketmap)"
fi

# The whole chain a mail host runs, on loopback, under one directory:
# a relay store, Dovecot (IMAP and POP3) with examples/pam.d/dovecot,
# mapgen --watch exporting the store to a hash map, and a sendmail daemon
# built with examples/sendmail/relayers.m4 that reads that map (or, with
# CHAIN_MODE=socketmap, relayersd and a sendmail that asks it).
#
#   chain_up DIR RELAYERS_ARGS    bring it all up; RELAYERS_ARGS are the
#                                 module's options besides db=
#   chain_down DIR                stop it all (safe to call twice)
# CHAIN_MAPGEN_ARGS, if set, adds options to mapgen --watch
# (e.g. --interval-ms 100).
# CHAIN_MODE=socketmap runs relayersd on a unix socket instead of mapgen,
# and builds sendmail's .cf with RELAYERS_SOCKETMAP: sendmail then asks
# the store itself at each lookup (CHAIN_RELAYERSD_ARGS adds options).
#
# After chain_up: CHAIN_STORE, CHAIN_MAP (sendmail reads CHAIN_MAP.db),
# CHAIN_SOCKET (relayersd's, in socketmap mode),
# CHAIN_PASSDB, CHAIN_PAM, CHAIN_IMAP_PORT, CHAIN_POP3_PORT,
# CHAIN_SMTP_PORT (empty without sendmail).  The user is alice, password
# "secret".  Needs RELAYERS_BUILD; run from the top of the tree.

. tests/lib/dovecot.sh
. tests/e2e/pam_stack.sh
. tests/lib/sendmail.sh
. tests/lib/socketmap.sh

# Debian's python3 (deps/debian-packages), not whatever python3 is first
# in PATH: a version manager's shim can add a second to every client.
E2E_PYTHON=${E2E_PYTHON:-/usr/bin/python3}
CHAIN_USER=alice
CHAIN_PASSWORD=secret

# chain_free_port: a TCP port nobody listens on, on either loopback.
chain_free_port() {
	timeout 10 "$E2E_PYTHON" -c '
import socket
s = socket.socket(socket.AF_INET6)
s.bind(("::", 0))
print(s.getsockname()[1])'
}

# chain_store_create STORE: an empty relay store, made the way an admin
# would (vsmtprelay add creates it), so that mapgen has one to watch.
chain_store_create() {
	"$RELAYERS_BUILD/vsmtprelay" -f "$1" add 192.0.2.1 >/dev/null &&
		"$RELAYERS_BUILD/vsmtprelay" -f "$1" delete 192.0.2.1 >/dev/null
}

chain_wait_for_file() {
	for _ in $(seq 100); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

chain_mapgen_start() {
	local dir=$1
	setsid timeout 900 "$RELAYERS_BUILD/mapgen" -f "$CHAIN_STORE" \
		-o "$CHAIN_MAP" --watch ${CHAIN_MAPGEN_ARGS:-} >"$dir/mapgen.log" 2>&1 &
	echo $! > "$dir/mapgen.pid"
	chain_wait_for_file "$CHAIN_MAP.db" || {
		echo "mapgen wrote no $CHAIN_MAP.db:" >&2
		cat "$dir/mapgen.log" >&2
		return 1
	}
}

# chain_relayersd_start DIR: relayersd over CHAIN_STORE, its socket in a
# directory sendmail trusts (named in DIR/sockdir for chain_down).
chain_relayersd_start() {
	local dir=$1 sockdir
	sockdir=$(socketmap_private_dir) || return 1
	echo "$sockdir" > "$dir/sockdir"
	CHAIN_SOCKET=$sockdir/socketmap
	relayersd_start "$dir/relayersd" "$CHAIN_STORE" "unix:$CHAIN_SOCKET" \
		${CHAIN_RELAYERSD_ARGS:-}
}

chain_relayersd_stop() {
	relayersd_stop "$1/relayersd"
	[ ! -s "$1/sockdir" ] || rm -rf "$(cat "$1/sockdir")"
	rm -f "$1/sockdir"
}

# chain_sendmail_start DIR [MAP]: MAP is CHAIN_MAP, or a socket address.
chain_sendmail_start() {
	local dir=$1 map=${2:-$CHAIN_MAP}
	CHAIN_SMTP_PORT=$(sendmail_free_port)
	sendmail_write_mc "$dir/sendmail" "$CHAIN_SMTP_PORT" "$map" &&
		sendmail_build_cf "$dir/sendmail/test.mc" "$dir/sendmail/test.cf" &&
		sendmail_start "$dir/sendmail" "$dir/sendmail/test.cf" \
			"$CHAIN_SMTP_PORT"
}

chain_up() {
	local dir=$1 relayers_args=$2
	mkdir -p "$dir/store" "$dir/map"
	chmod 0700 "$dir/store"
	CHAIN_STORE=$dir/store/relayers.tdb
	CHAIN_MAP=$dir/map/relayers
	CHAIN_PASSDB=$dir/passdb
	CHAIN_PAM=$dir/pam.d
	CHAIN_IMAP_PORT=$(chain_free_port)
	CHAIN_POP3_PORT=$(chain_free_port)
	CHAIN_SMTP_PORT=
	CHAIN_SOCKET=
	echo "$CHAIN_USER:$CHAIN_PASSWORD:dovecot" > "$CHAIN_PASSDB"
	chain_store_create "$CHAIN_STORE" || return 1
	pam_stack_write examples/pam.d/dovecot "$CHAIN_PAM" dovecot \
		"$CHAIN_PASSDB" "db=$CHAIN_STORE $relayers_args" || return 1
	dovecot_start "$dir/dovecot" "$CHAIN_PAM" "$CHAIN_IMAP_PORT" \
		"$CHAIN_POP3_PORT" || return 1
	if [ "${CHAIN_MODE:-mapgen}" = socketmap ]; then
		chain_relayersd_start "$dir" &&
			chain_sendmail_start "$dir" "local:$CHAIN_SOCKET"
	else
		chain_mapgen_start "$dir" && chain_sendmail_start "$dir"
	fi
}

# Stops a process group started with setsid, and waits for it.
chain_stop_group() {
	[ -s "$1" ] || return 0
	local pid=$(cat "$1")
	kill -TERM -- "-$pid" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 -- "-$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- "-$pid" 2>/dev/null
	rm -f "$1"
}

chain_down() {
	local dir=$1
	[ ! -d "$dir/sendmail" ] || sendmail_stop "$dir/sendmail"
	chain_stop_group "$dir/mapgen.pid"
	chain_relayersd_stop "$dir"
	dovecot_stop "$dir/dovecot"
	pam_wrapper_sweep "$dir"
}

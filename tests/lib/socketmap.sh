# relayersd beside a test's sendmail (or Postfix client): a socket
# directory sendmail trusts, the server started and stopped by its pid,
# and a listener that accepts and never answers.
#
#   socketmap_private_dir
#       makes and prints a new directory, mode 0755, for a unix socket.
#       sendmail refuses a socket below a group- or world-writable
#       directory (FIELD-NOTES), and the suites' T_TMP sits in /tmp; so
#       the directory goes under $RELAYERS_BUILD/tmp/, whose path must
#       pass socketmap_safe_path (fails otherwise).  The caller removes it.
#   socketmap_safe_path DIR
#       succeeds if DIR and every directory above it is owned by root and
#       writable by no group and no other user (what sendmail checks).
#   relayersd_start DIR STORE ADDRESS [ARGS...]
#       runs $RELAYERS_BUILD/relayersd -f STORE --listen ADDRESS ARGS in
#       its own process group (pid in DIR/relayersd.pid, log in
#       DIR/relayersd.log) and returns once ADDRESS (unix:PATH or
#       inet:HOST:PORT) accepts connections, 10 s at most.
#   relayersd_stop DIR
#       SIGTERM, SIGKILL after 5 s; safe to call twice (use t_at_exit).
#   socketmap_hung_start DIR PATH
#       a listener on the unix socket PATH that accepts every connection
#       and never answers a byte (a hung server); pid in DIR/hung.pid.
#   socketmap_hung_stop DIR
#   socketmap_query ADDRESS REQUEST
#       sends one netstring REQUEST ("relayers 192.0.2.7") and prints the
#       reply's text, or "ERROR: ..." (a client of our own, for the
#       suites' diagnostics; the MTAs' own clients are what is tested).

RELAYERSD=${RELAYERSD:-$RELAYERS_BUILD/relayersd}
SOCKETMAP_PYTHON=${SOCKETMAP_PYTHON:-/usr/bin/python3}

socketmap_safe_path() {
	sp_dir=$(cd "$1" && pwd -P) || return 1
	while :; do
		# %u owner, %a octal mode: no write bit for group (020) or others (002).
		sp_stat=$(stat -c '%u %a' "$sp_dir") || return 1
		[ "${sp_stat% *}" = 0 ] || return 1
		[ $((0${sp_stat#* } & 022)) -eq 0 ] || return 1
		[ "$sp_dir" = / ] && return 0
		sp_dir=$(dirname "$sp_dir")
	done
}

socketmap_private_dir() {
	if ! { mkdir -p "$RELAYERS_BUILD/tmp" && chmod 0755 "$RELAYERS_BUILD/tmp" &&
		socketmap_safe_path "$RELAYERS_BUILD/tmp"; }; then
		echo "socketmap: $RELAYERS_BUILD/tmp lies below a directory others can write" >&2
		return 1
	fi
	# A unix socket's path has 107 bytes at most; leave 20 for its name.
	if [ $((${#RELAYERS_BUILD} + 32)) -gt 107 ]; then
		echo "socketmap: $RELAYERS_BUILD is too long a path for a unix socket below it" >&2
		return 1
	fi
	sp_new=$(mktemp -d "$RELAYERS_BUILD/tmp/sock.XXXXXX") &&
		chmod 0755 "$sp_new" && echo "$sp_new"
}

# socketmap_wait ADDRESS: until it accepts, 10 s at most.
socketmap_wait() {
	timeout 15 "$SOCKETMAP_PYTHON" - "$1" <<'PY'
import socket, sys, time
spec = sys.argv[1]
deadline = time.time() + 10
while time.time() < deadline:
    try:
        if spec.startswith("unix:"):
            s = socket.socket(socket.AF_UNIX)
            s.connect(spec[5:])
        else:
            host, port = spec[5:].rsplit(":", 1)
            s = socket.create_connection((host.strip("[]"), int(port)), 1)
        s.close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
PY
}

relayersd_start() {
	rs_dir=$1 rs_store=$2 rs_address=$3
	shift 3
	mkdir -p "$rs_dir"
	setsid timeout 900 "$RELAYERSD" -f "$rs_store" --listen "$rs_address" "$@" \
		> "$rs_dir/relayersd.log" 2>&1 &
	echo $! > "$rs_dir/relayersd.pid"
	if ! socketmap_wait "$rs_address"; then
		echo "relayersd did not listen on $rs_address:" >&2
		cat "$rs_dir/relayersd.log" >&2
		return 1
	fi
}

# socketmap_stop_group PIDFILE: the process group started with setsid.
socketmap_stop_group() {
	[ -s "$1" ] || return 0
	sg_pid=$(cat "$1")
	kill -TERM -- "-$sg_pid" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 -- "-$sg_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- "-$sg_pid" 2>/dev/null
	wait "$sg_pid" 2>/dev/null
	rm -f "$1"
}

relayersd_stop() { socketmap_stop_group "$1/relayersd.pid"; }

socketmap_hung_start() {
	mkdir -p "$1"
	setsid timeout 900 "$SOCKETMAP_PYTHON" -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(64)
held = []
while True:
    held.append(s.accept()[0])   # accept, keep open, never answer
' "$2" > "$1/hung.log" 2>&1 &
	echo $! > "$1/hung.pid"
	socketmap_wait "unix:$2"
}

socketmap_hung_stop() { socketmap_stop_group "$1/hung.pid"; }

socketmap_query() {
	timeout 15 "$SOCKETMAP_PYTHON" - "$1" "$2" <<'PY'
import socket, sys
spec, request = sys.argv[1], sys.argv[2].encode()
try:
    if spec.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(10)
        s.connect(spec[5:])
    else:
        host, port = spec[5:].rsplit(":", 1)
        s = socket.create_connection((host.strip("[]"), int(port)), 10)
    s.sendall(b"%d:%s," % (len(request), request))
    reply = b""
    while not (b":" in reply and reply.endswith(b",")
               and len(reply) >= reply.index(b":") + 2 + int(reply.split(b":")[0])):
        chunk = s.recv(4096)
        if not chunk:
            break
        reply += chunk
    length, _, rest = reply.partition(b":")
    print(rest[:int(length)].decode("ascii", "replace"))
except (OSError, ValueError) as err:
    print("ERROR: %s" % err)
PY
}

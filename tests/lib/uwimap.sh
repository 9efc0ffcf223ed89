# UW-IMAP's imapd and ipop3d for the tests, as tests/e2e/uw_server: the
# real c-client login path (server_login, checkpw through PAM), started
# inetd-style by systemd-socket-activate on a loopback port, with PAM
# through pam_wrapper and a service directory of the caller's.
#
#   uwimap_start DIR NAME PROTOCOL ADDRESS PORT PAM_DIR
#       PROTOCOL is imap or pop (UW's PAM service names); ADDRESS is
#       127.0.0.1 or [::1].  Returns once the port listens.
#   uwimap_stop DIR NAME
#
# c-client looks the user up with getpwnam() before PAM and setuid()s to
# it after a login, so the tests log in as Debian's own "mail" account
# (uid 8, in every base system): no account is added.  Its password is
# whatever the pam_matrix passdb says; /etc/shadow is never read.

UWIMAP_USER=mail

uwimap_start() {
	local dir=$1 name=$2 protocol=$3 address=$4 port=$5 pam_dir=$6
	mkdir -p "$dir"
	# setsid: the activator and its children form one group to stop.
	setsid timeout 600 systemd-socket-activate --inetd -a \
		-l "$address:$port" \
		-E LD_PRELOAD=libpam_wrapper.so -E PAM_WRAPPER=1 \
		-E "PAM_WRAPPER_SERVICE_DIR=$pam_dir" \
		"$RELAYERS_BUILD/tests/e2e/uw_server" "$protocol" \
		>"$dir/$name.log" 2>&1 &
	echo $! > "$dir/$name.pid"
	for _ in $(seq 100); do
		ss -Hltn "sport = :$port" | grep -q . && return 0
		sleep 0.1
	done
	echo "uw_server $name did not start; its log:" >&2
	cat "$dir/$name.log" >&2
	return 1
}

# Stops the activator and any connection it still serves.
uwimap_stop() {
	local pidfile="$1/$2.pid"
	[ -f "$pidfile" ] || return 0
	local pid=$(cat "$pidfile")
	kill -TERM -- "-$pid" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 -- "-$pid" 2>/dev/null || { rm -f "$pidfile"; return 0; }
		sleep 0.1
	done
	kill -KILL -- "-$pid" 2>/dev/null
	rm -f "$pidfile"
}

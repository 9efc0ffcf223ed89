# Helpers both Redis scripts (run.sh, tls.sh) use: a free loopback port,
# polling with a bound, a unix socket that accepts.
ms_now() { date +%s%3N; }
free_port() {
	timeout 10 python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# wait_for MS COMMAND...: polls COMMAND every 20 ms; false on timeout.
wait_for() {
	local limit=$(($(ms_now) + $1))
	shift
	until "$@" 2>/dev/null; do
		[ "$(ms_now)" -lt "$limit" ] || return 1
		sleep 0.02
	done
}
accepts() { timeout 5 python3 -c 'import socket,sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])' "$1"; }

# Helpers both Redis scripts (run.sh, tls.sh) use: a free loopback port,
# polling with a bound, a unix socket that accepts, background servers
# by name (the caller registers stop_all with t_at_exit).
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
PIDS=""
spawn() { # NAME COMMAND...: in the background, log in $T_TMP/NAME.log
	local name=$1; shift
	"$@" >"$T_TMP/$name.log" 2>&1 &
	eval "PID_$name=$!"
	PIDS="$PIDS $!"
}
pid_of() { eval "echo \$PID_$1"; }
stop_one() { local p; p=$(pid_of "$1"); kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; return 0; }
stop_all() {
	local p
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	return 0
}
alive() { kill -0 "$(pid_of "$1")" 2>/dev/null; }

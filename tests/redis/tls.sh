#!/bin/bash
# Redis between hosts over TLS, the way docs/scaling.md says: Debian 12's
# hiredis 0.14 has no TLS, so redis-server listens with TLS only
# (--port 0 --tls-port) and requirepass, and each client host runs a
# stunnel4 client tunnel on loopback that the shipper and relayersd talk
# to in plain text.  A CA and the server's certificate are made here with
# openssl; a tunnel that trusts another CA must fail closed (TEMP, a log
# line, no crash).  The exact configurations below are the documented ones.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/socketmap.sh"
T_SUITE=${T_SUITE_NAME:-redis}-tls
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"

D=$RELAYERS_BUILD/relayersd
SH=$RELAYERS_BUILD/relayers-shipper
V=$RELAYERS_BUILD/vsmtprelay
now=$(date +%s)

for tool in redis-server redis-cli stunnel4 openssl; do
	command -v $tool >/dev/null || { t_fail "$tool installed (deps/debian-packages, check)"; t_done; exit; }
done

# --- a CA, the server's certificate for redis.test, and a CA nobody signed with
K=$T_TMP/tls
mkdir -m 0700 "$K"
make_ca() { # NAME
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=relayers test $1" \
		-keyout "$K/$1.key" -out "$K/$1.crt" 2>/dev/null
}
make_ca ca && make_ca other-ca || { t_fail "openssl makes the CAs"; t_done; exit; }
printf 'subjectAltName = DNS:redis.test\n' >"$K/san.ext"
openssl req -newkey rsa:2048 -nodes -subj /CN=redis.test \
	-keyout "$K/redis.key" -out "$K/redis.csr" 2>/dev/null &&
	openssl x509 -req -in "$K/redis.csr" -CA "$K/ca.crt" -CAkey "$K/ca.key" \
		-CAcreateserial -days 2 -extfile "$K/san.ext" -out "$K/redis.crt" 2>/dev/null ||
	{ t_fail "openssl signs the server certificate"; t_done; exit; }
t_expect "the server certificate is the CA's, for redis.test" "$K/redis.crt: OK" \
	"$(openssl verify -CAfile "$K/ca.crt" -verify_hostname redis.test "$K/redis.crt" 2>&1)"

# --- redis-server: TLS only, requirepass ---------------------------------------
R=$T_TMP/redis
mkdir -m 0700 "$R"
TP=$(free_port)
PW=$(head -c 18 /dev/urandom | base64 | tr '/+' 'xy')
printf '%s\n' "$PW" >"$R/redis.pw"
chmod 0600 "$R/redis.pw"
cat >"$R/redis.conf" <<EOF
port 0
tls-port $TP
bind 127.0.0.1
tls-cert-file $K/redis.crt
tls-key-file $K/redis.key
tls-ca-cert-file $K/ca.crt
tls-auth-clients no
requirepass $PW
dir $R
save ""
appendonly no
logfile $R/log
EOF
chmod 0600 "$R/redis.conf"

t_at_exit stop_all

spawn redis redis-server "$R/redis.conf"
tls_cli() {
	redis-cli --tls --cacert "$K/ca.crt" --sni redis.test -p "$TP" "$@" 2>&1
}
up() { [ "$(tls_cli --pass "$PW" --no-auth-warning ping)" = PONG ]; }
wait_for 10000 up && t_ok "redis-server answers over TLS only, to its password" ||
	t_fail "redis-server with TLS starts" "$(tail -n 5 "$R/log")"
t_expect_match "no password over TLS: refused" 'NOAUTH' "$(tls_cli hvals relayers:192.0.2.1)"
t_expect_match "plain TCP to the TLS port gets no answer" 'I/O error|reset|closed' \
	"$(timeout 5 redis-cli -p "$TP" --pass "$PW" --no-auth-warning ping 2>&1)"

# --- stunnel client tunnels on loopback --------------------------------------
listens() { timeout 2 python3 -c 'import socket,sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$1"; }
tunnel() { # NAME CAFILE [HOST]: a stunnel client on a free loopback port, printed
	local port
	port=$(free_port)
	cat >"$T_TMP/$1.conf" <<EOF
foreground = yes
pid = $T_TMP/$1.pid
debug = notice

[redis]
client = yes
accept = 127.0.0.1:$port
connect = 127.0.0.1:$TP
verifyChain = yes
CAfile = $2
checkHost = ${3:-redis.test}
EOF
	spawn "$1" stunnel4 "$T_TMP/$1.conf"
	wait_for 10000 listens "$port" || return 1
	echo "$port"
}
GOOD=$(tunnel good "$K/ca.crt") && t_ok "a stunnel client tunnel trusting the CA listens on loopback" ||
	t_fail "the good tunnel starts" "$(tail -n 5 "$T_TMP/good.log")"
BAD=$(tunnel bad "$K/other-ca.crt") && t_ok "and one trusting another CA" ||
	t_fail "the bad tunnel starts" "$(tail -n 5 "$T_TMP/bad.log")"
ELSEWHERE=$(tunnel elsewhere "$K/ca.crt" other.test) &&
	t_ok "and one trusting the CA but expecting another host name" ||
	t_fail "the wrong-name tunnel starts" "$(tail -n 5 "$T_TMP/elsewhere.log")"

# --- a shipper and relayersd through the tunnel ------------------------------
mkdir -m 0755 "$T_TMP/h1"
"$V" -f "$T_TMP/h1/s.tdb" add 198.51.100.1 $((now - 60)) >/dev/null
spawn ship "$SH" -v -f "$T_TMP/h1/s.tdb" --host pop1 --max-age 30 \
	--redis "127.0.0.1:$GOOD" --redis-password-file "$R/redis.pw"
shipped() { [ "$(tls_cli --pass "$PW" --no-auth-warning hget relayers:198.51.100.1 pop1)" = $((now - 60)) ]; }
wait_for 5000 shipped && t_ok "the shipper ships a store entry through the tunnel" ||
	t_fail "shipping through the tunnel" "$(tail -n 3 "$T_TMP/ship.log")"

MTA=$(socketmap_private_dir) || { t_fail "a private socket directory"; t_done; exit 1; }
remove_mta_dir() { rm -rf "$MTA"; }
t_at_exit remove_mta_dir
mta() { # NAME PORT
	spawn "$1" "$D" -v --max-age 30 --listen "unix:$MTA/$1.sock" \
		--redis "127.0.0.1:$2" --redis-password-file "$R/redis.pw"
	wait_for 10000 accepts "$MTA/$1.sock"
}
ask() { socketmap_query "unix:$MTA/$1.sock" "relayers $2"; }
mta ok "$GOOD" || t_fail "relayersd through the good tunnel starts" "$(tail -n 5 "$T_TMP/ok.log")"
t_expect "relayersd through the tunnel: OK with the login's stamp" "OK $((now - 60))" \
	"$(ask ok 198.51.100.1)"
t_expect "and NOTFOUND for an address never added" "NOTFOUND " "$(ask ok 203.0.113.77)"
"$V" -f "$T_TMP/h1/s.tdb" add 192.0.2.1 >/dev/null
relays() { case $(ask ok 192.0.2.1) in "OK "*) return 0 ;; esac; return 1; }
wait_for 1000 relays && t_ok "a new login relays through TLS within 1 s" ||
	t_fail "a new login through TLS" "$(ask ok 192.0.2.1)"

# --- a tunnel that does not trust the server: fails closed -------------------
mta untrusted "$BAD" || t_fail "relayersd through the bad tunnel starts" "$(tail -n 5 "$T_TMP/untrusted.log")"
t_expect_match "a server certificate the tunnel does not trust: TEMP" '^TEMP ' \
	"$(ask untrusted 198.51.100.1)"
never_ok=1
for _ in 1 2 3 4 5; do
	case $(ask untrusted 198.51.100.1) in OK*) never_ok=0 ;; esac
	sleep 0.3
done
t_expect "never OK, asked again and again" 1 "$never_ok"
t_expect_match "relayersd logs a clear error" "redis 127.0.0.1:$BAD: .*(reset|closed).*answering TEMP" \
	"$(cat "$T_TMP/untrusted.log")"
t_expect_match "stunnel logs why: the certificate is not trusted" 'certificate verify failed' \
	"$(cat "$T_TMP/bad.log")"
alive untrusted && t_ok "and no crash" || t_fail "untrusted tunnel: relayersd still running"
mta wrongname "$ELSEWHERE" || t_fail "relayersd through the wrong-name tunnel starts"
t_expect_match "the CA's certificate for another host name (checkHost): TEMP too" '^TEMP ' \
	"$(ask wrongname 198.51.100.1)"
t_expect_match "stunnel logs the name mismatch" 'Subject checks failed' \
	"$(cat "$T_TMP/elsewhere.log")"
t_expect "the good tunnel's relayersd still answers OK" "OK $((now - 60))" "$(ask ok 198.51.100.1)"
t_done

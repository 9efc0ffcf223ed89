#!/bin/bash
# sendmail integration: Debian's real sendmail reads the map mapgen writes.
#  - .cf files built with m4 from examples/sendmail (relayers.m4 by include()
#    and by HACK(), the example sendmail.mc, and Debian's FEATURE(drac));
#  - verdicts of check_rcpt under `sendmail -bt`;
#  - a real daemon on 127.0.0.1, spoken to from other 127.0.0.x addresses,
#    and a map re-exported under it.
# Everything lives in the suite's temp dir; /etc/mail is never read for rules
# and never written.  Maps come from a store made by vsmtprelay, exported by
# mapgen, as on a mail host.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/sendmail.sh"
T_SUITE=${T_SUITE_NAME:-sendmail}
EXAMPLES=$(cd "$(dirname "$0")/../../examples/sendmail" && pwd)
VSMTPRELAY=$RELAYERS_BUILD/vsmtprelay
MAPGEN=$RELAYERS_BUILD/mapgen

# sendmail refuses maps in a directory anyone can write.
chmod 0755 "$T_TMP"
t_expect "the suite's directory is not world-writable" 755 "$(stat -c %a "$T_TMP")"

STORE=$T_TMP/store/relayers.tdb
MAP=$T_TMP/maps/relayers
mkdir -p "$T_TMP/store" "$T_TMP/maps"
chmod 0700 "$T_TMP/store"
NOW=$(date +%s)

# makemap for the test's own maps; its warning about /tmp above the suite's
# directory is noise here (sendmail itself is told MapInUnsafeDirPath).
test_makemap() {
	timeout 10 makemap "$@" 2> "$T_TMP/makemap.err"
	status=$?
	grep -v 'WARNING: World writable directory' "$T_TMP/makemap.err" >&2
	return $status
}
record() { timeout 10 "$VSMTPRELAY" -f "$STORE" add "$@"; }
export_map() { timeout 30 "$MAPGEN" -f "$STORE" -o "$MAP"; }

# The window (30 minutes) is sendmail's own here: mapgen runs without
# --max-age, so stale entries reach the map and sendmail must refuse them.
record 192.0.2.7 "$NOW"
record 2001:db8::7 "$NOW"
record 192.0.2.8 $((NOW - 1801))
record 192.0.2.11 $((NOW - 1800))
record 192.0.2.9 $((NOW + 3600))
record 127.0.0.5 "$NOW"
record 127.0.0.6 $((NOW - 3600))
record 127.0.0.8 $((NOW + 600))
t_expect_status "mapgen exports the store" 0 export_map
t_expect "the map holds the IPv6 client's uncompressed key" "$NOW" \
	"$(test_makemap -u hash "$MAP" | awk '$1 == "ipv6:2001:db8:0:0:0:0:0:7" { print $2 }')"

DENIED='$# error $@ 5.7.1 $: "550 Relaying denied"'
DEFERRED='$# error $@ 4.3.0 $: "451 Relay check temporarily unavailable, try again later"'

# verdict NAME CF CLIENT_ADDR EXPECTED [TIME]: check_rcpt of a remote recipient.
verdict() {
	t_expect "$1" "$4" \
		"$(sendmail_check_rcpt "$2" "$3" "${5-$NOW}" '<someone@remote.example>')"
}

# --- relayers.m4 by include(), with RELAYERS_MAX_AGE=30 ----------------------
PORT=$(sendmail_free_port)
SM=$T_TMP/sm
sendmail_write_mc "$SM" "$PORT" "$MAP" 30
t_expect_status "m4 builds a .cf from relayers.m4 without a word" 0 \
	sendmail_build_cf "$SM/test.mc" "$SM/test.cf"
t_expect "the .cf declares the map, optional, as a hash map" 1 \
	"$(grep -c -- "^Krelayers hash -o $MAP\$" "$SM/test.cf")"
t_expect "the .cf declares its own arith map" 1 \
	"$(grep -c '^Krelayers_arith arith$' "$SM/test.cf")"
CF=$SM/test.cf
verdict "a recorded IPv4 client relays" "$CF" 192.0.2.7 '$# OK'
verdict "a recorded IPv6 client relays (uncompressed \${client_addr})" \
	"$CF" IPv6:2001:db8:0:0:0:0:0:7 '$# OK'
verdict "a recorded IPv6 client relays (UseCompressedIPv6Addresses)" \
	"$CF" IPv6:2001:db8::7 '$# OK'
verdict "upper-case hex in \${client_addr} still matches" \
	"$CF" IPv6:2001:DB8:0:0:0:0:0:7 '$# OK'
verdict "an unrecorded IPv4 client gets 550" "$CF" 192.0.2.99 "$DENIED"
verdict "an unrecorded IPv6 client gets 550" \
	"$CF" IPv6:2001:db8:0:0:0:0:0:99 "$DENIED"
verdict "an entry 30 min 1 s old gets 550 (RELAYERS_MAX_AGE=30)" \
	"$CF" 192.0.2.8 "$DENIED"
verdict "an entry exactly 30 min old still relays" "$CF" 192.0.2.11 '$# OK'
verdict "a future-stamped entry relays" "$CF" 192.0.2.9 '$# OK'
# sendmail defines ${time} for a session's first transaction only: without
# it the window cannot be checked, so a recorded client is deferred.
verdict "without \${time} a recorded client is deferred, never relayed" \
	"$CF" 192.0.2.7 "$DEFERRED" ""
verdict "without \${time} an unrecorded client still gets 550" \
	"$CF" 192.0.2.99 "$DENIED" ""
verdict "a prefix of a recorded address does not relay" "$CF" 192.0.2.1 "$DENIED"
t_expect "a local recipient is still accepted from an unrecorded client" \
	"$(sendmail_check_rcpt "$CF" 192.0.2.99 "$NOW" '<root@mail.relayers.test>' |
		grep -c 'Relaying denied')" 0

# A missing map reads as "not found", quietly (-o): 550, no temporary failure.
mv "$MAP.db" "$MAP.db.away"
missing=$({
	printf '.D{client_addr}192.0.2.7\n.D{time}%s\n' "$NOW"
	printf 'check_rcpt <someone@remote.example>\n'
} | sendmail_test_mode "$CF" 2>&1)
mv "$MAP.db.away" "$MAP.db"
t_expect_match "a missing map denies relaying" \
	'^check_rcpt +returns: .*"550 Relaying denied"' "$missing"
t_expect "a missing map is no error and no temporary failure (-o)" 0 \
	"$(printf '%s\n' "$missing" | grep -c 'missing map\|status 75')"

# A value that is not a number (a foreign map) must not relay under a window.
printf '192.0.2.10 yes\n' | test_makemap hash "$T_TMP/maps/foreign"
FOREIGN=$T_TMP/foreign
sendmail_write_mc "$FOREIGN" "$PORT" "$T_TMP/maps/foreign" 30
sendmail_build_cf "$FOREIGN/test.mc" "$FOREIGN/test.cf"
verdict "a non-numeric value does not relay under RELAYERS_MAX_AGE" \
	"$FOREIGN/test.cf" 192.0.2.10 "$DENIED"

# --- without RELAYERS_MAX_AGE: the map alone decides ---------------------------
NOAGE=$T_TMP/noage
sendmail_write_mc "$NOAGE" "$PORT" "$MAP"
t_expect_status "m4 builds a .cf without RELAYERS_MAX_AGE" 0 \
	sendmail_build_cf "$NOAGE/test.mc" "$NOAGE/test.cf"
t_expect "without RELAYERS_MAX_AGE no arith map is declared" 0 \
	"$(grep -c '^Krelayers_arith' "$NOAGE/test.cf")"
verdict "without RELAYERS_MAX_AGE an old entry relays" \
	"$NOAGE/test.cf" 192.0.2.8 '$# OK'
verdict "without RELAYERS_MAX_AGE an unrecorded client gets 550" \
	"$NOAGE/test.cf" 192.0.2.99 "$DENIED"
sed 's/^define(`RELAYERS_MAP.*$/define(`RELAYERS_MAX_AGE'"'"', `half an hour'"'"')dnl/' \
	"$NOAGE/test.mc" > "$NOAGE/bad-age.mc"
t_expect_status "m4 refuses a RELAYERS_MAX_AGE that is not a number" 1 \
	sendmail_build_cf "$NOAGE/bad-age.mc" "$NOAGE/bad-age.cf"

# --- HACK(`relayers') from a cf directory with the hack copied in ----------
HACKDIR=$T_TMP/hack
mkdir -p "$HACKDIR/cf/hack"
for entry in "$SENDMAIL_CF_DIR"*; do
	[ "$(basename "$entry")" = hack ] || ln -s "$entry" "$HACKDIR/cf/"
done
cp "$SENDMAIL_CF_DIR"hack/*.m4 "$EXAMPLES/relayers.m4" "$HACKDIR/cf/hack/"
sendmail_write_mc "$HACKDIR" "$PORT" "$MAP" 30
sed -e "s|^include(\`$SENDMAIL_HACK')dnl|HACK(\`relayers')dnl|" \
	"$HACKDIR/test.mc" > "$HACKDIR/hack.mc"
t_expect "the HACK() variant really uses HACK()" 1 "$(grep -c '^HACK' "$HACKDIR/hack.mc")"
t_expect_status "HACK(\`relayers') builds from cf/hack/" 0 \
	env SENDMAIL_CF_DIR="$HACKDIR/cf/" bash -c \
	'. "$1" && sendmail_build_cf "$2" "$3"' sh "$(dirname "$0")/../lib/sendmail.sh" \
	"$HACKDIR/hack.mc" "$HACKDIR/hack.cf"
verdict "HACK(\`relayers'): a recorded client relays" "$HACKDIR/hack.cf" 192.0.2.7 '$# OK'
verdict "HACK(\`relayers'): a stale entry gets 550" "$HACKDIR/hack.cf" 192.0.2.8 "$DENIED"

# --- sharing Local_check_rcpt with another hack (Debian's spamtrap.m4) -------
SHARED=$T_TMP/shared
sendmail_write_mc "$SHARED" "$PORT" "$MAP" 30
printf '' | test_makemap hash "$SHARED/etc/access"
for order in before after; do
	if [ $order = before ]; then
		hack_lines="FEATURE(\`access_db')dnl\nHACK(\`spamtrap')dnl\n&"
	else
		hack_lines="FEATURE(\`access_db')dnl\n&\nHACK(\`spamtrap')dnl"
	fi
	sed -e "s|^include(\`$SENDMAIL_HACK')dnl\$|$hack_lines|" \
		"$SHARED/test.mc" > "$SHARED/$order.mc"
	t_expect "spamtrap $order relayers: both are in the .mc" 2 \
		"$(grep -c "^HACK(\`spamtrap')\|^include(\`$SENDMAIL_HACK')" "$SHARED/$order.mc")"
	sendmail_build_cf "$SHARED/$order.mc" "$SHARED/$order.cf"
	verdict "spamtrap $order relayers: a recorded client relays" \
		"$SHARED/$order.cf" 192.0.2.7 '$# OK'
	verdict "spamtrap $order relayers: an unrecorded client gets 550" \
		"$SHARED/$order.cf" 192.0.2.99 "$DENIED"
done

# --- the example sendmail.mc, installed as its comments say ------------------
EXAMPLE=$T_TMP/example
mkdir -p "$EXAMPLE/m4" "$EXAMPLE/etc"
cp "$EXAMPLES/relayers.m4" "$EXAMPLE/m4/"
: > "$EXAMPLE/m4/dialup.m4"
: > "$EXAMPLE/m4/provider.m4"
for f in local-host-names trusted-users relay-domains; do : > "$EXAMPLE/etc/$f"; done
sed -e "s|/etc/mail/m4/|$EXAMPLE/m4/|" \
	-e "s|^define(\`RELAYERS_MAP', \`/etc/mail/relayers')dnl\$|define(\`RELAYERS_MAP', \`$MAP')dnl|" \
	"$EXAMPLES/sendmail.mc" > "$EXAMPLE/sendmail.mc"
t_expect "the example's include of relayers.m4 was redirected" 1 \
	"$(grep -c "^include(\`$EXAMPLE/m4/relayers.m4')dnl\$" "$EXAMPLE/sendmail.mc")"
t_expect_status "the example sendmail.mc builds with Debian's sendmail-cf" 0 \
	sendmail_build_cf "$EXAMPLE/sendmail.mc" "$EXAMPLE/sendmail.cf"
# MAIL_SETTINGS_DIR would redirect access.db and friends, but the example
# must build exactly as an admin builds it; so check what the .cf says.
t_expect "the example listens on the alternative port 5190" 1 \
	"$(grep -c '^O DaemonPortOptions=Family=inet, *Name=MTA-5190, Port=5190$' "$EXAMPLE/sendmail.cf")"
t_expect "the example listens on port 25 on every address" 1 \
	"$(grep -c '^O DaemonPortOptions=Family=inet, *Name=MTA-v4, Port=smtp$' "$EXAMPLE/sendmail.cf")"
t_expect "the example reads the map mapgen writes" 1 \
	"$(grep -c -- "^Krelayers hash -o $MAP\$" "$EXAMPLE/sendmail.cf")"
# Its rules with Debian's delay_checks and access_db, access.db pointed at
# an empty one of ours so the host's /etc/mail/access cannot sway them.
printf '' | test_makemap hash "$EXAMPLE/etc/access"
sed -e "s|^Kaccess hash -T<TMPF> /etc/mail/access\$|Kaccess hash -T<TMPF> $EXAMPLE/etc/access|" \
	-e "s|^\\(F[wRt]\\)\\(.*\\)/etc/mail/|\\1\\2$EXAMPLE/etc/|" \
	"$EXAMPLE/sendmail.cf" > "$EXAMPLE/test.cf"
t_expect "the example's access map was redirected" 1 \
	"$(grep -c "^Kaccess hash -T<TMPF> $EXAMPLE/etc/access\$" "$EXAMPLE/test.cf")"
verdict "example: a recorded client relays" "$EXAMPLE/test.cf" 192.0.2.7 '$# OK'
verdict "example: a recorded IPv6 client relays" "$EXAMPLE/test.cf" \
	IPv6:2001:db8:0:0:0:0:0:7 '$# OK'
verdict "example: an unrecorded client gets 550" "$EXAMPLE/test.cf" 192.0.2.99 "$DENIED"
verdict "example: an entry older than 30 min gets 550" "$EXAMPLE/test.cf" 192.0.2.8 "$DENIED"

# --- Debian's FEATURE(drac) pointed at the same map -------------------------
DRAC=$T_TMP/drac
sendmail_write_mc "$DRAC" "$PORT" "$MAP"
sed -e "s|^include(\`$SENDMAIL_HACK')dnl|FEATURE(\`drac', \`hash -o $MAP')dnl|" \
	"$DRAC/test.mc" > "$DRAC/drac.mc"
t_expect_status "FEATURE(drac) builds with our map" 0 \
	sendmail_build_cf "$DRAC/drac.mc" "$DRAC/drac.cf"
t_expect "FEATURE(drac) declares our map" 1 "$(grep -c "^Kdrac hash -o $MAP\$" "$DRAC/drac.cf")"
verdict "FEATURE(drac): a recorded IPv4 client relays" "$DRAC/drac.cf" 192.0.2.7 RELAY
verdict "FEATURE(drac): a recorded IPv6 client relays" "$DRAC/drac.cf" \
	IPv6:2001:db8:0:0:0:0:0:7 RELAY
verdict "FEATURE(drac): an unrecorded client gets 550" "$DRAC/drac.cf" 192.0.2.99 "$DENIED"
verdict "FEATURE(drac) has no window: a stale entry relays" "$DRAC/drac.cf" 192.0.2.8 RELAY

# --- a real daemon -----------------------------------------------------------
stop_daemon() { sendmail_stop "$SM" || true; }
t_at_exit stop_daemon
t_expect_status "sendmail starts on 127.0.0.1:$PORT" 0 sendmail_start "$SM" "$CF" "$PORT"
DAEMON=$(cat "$SM/daemon.pid" 2>/dev/null)

# rcpt NAME SOURCE PATTERN
rcpt() { t_expect_match "$1" "$3" "$(sendmail_rcpt "$2" "$PORT" someone@remote.example)"; }
OK_250='^250 2\.1\.5 <someone@remote\.example>\.\.\. Recipient ok$'
DENIED_550='^550 5\.7\.1 <someone@remote\.example>\.\.\. Relaying denied'
rcpt "SMTP: a recorded client gets 250" 127.0.0.5 "$OK_250"
rcpt "SMTP: an unrecorded client gets 550" 127.0.0.7 "$DENIED_550"
rcpt "SMTP: an hour-old entry gets 550 (\${time} is set per session)" 127.0.0.6 "$DENIED_550"
rcpt "SMTP: a future-stamped entry gets 250" 127.0.0.8 "$OK_250"
t_expect_match "SMTP: a recorded client's second transaction (no \${time}) gets 451, not 550" \
	'^451 4\.3\.0 ' "$(SENDMAIL_RCPT_AFTER_RSET=1 sendmail_rcpt 127.0.0.5 "$PORT" someone@remote.example)"
t_expect_match "SMTP: an unrecorded client's second transaction gets 550" "$DENIED_550" \
	"$(SENDMAIL_RCPT_AFTER_RSET=1 sendmail_rcpt 127.0.0.7 "$PORT" someone@remote.example)"
t_expect_match "SMTP: a local recipient gets 250 from an unrecorded client" '^250 ' \
	"$(sendmail_rcpt 127.0.0.7 "$PORT" root@mail.relayers.test)"

# Re-export under the running daemon: mapgen renames a new .db into place.
record 127.0.0.7 "$(date +%s)"
timeout 10 "$VSMTPRELAY" -f "$STORE" delete 127.0.0.5
old_inode=$(stat -c %i "$MAP.db")
t_expect_status "mapgen re-exports while sendmail runs" 0 export_map
t_expect "the re-export replaced the file (a new inode)" different \
	"$([ "$(stat -c %i "$MAP.db")" != "$old_inode" ] && echo different)"
rcpt "SMTP: a client recorded after start relays on its next connection" \
	127.0.0.7 "$OK_250"
rcpt "SMTP: a deleted client is refused on its next connection" 127.0.0.5 "$DENIED_550"
t_expect "no restart: the same daemon answered" "$DAEMON" \
	"$(kill -0 "$DAEMON" 2>/dev/null && echo "$DAEMON")"

# A missing map denies (550); it does not defer (451).
mv "$MAP.db" "$MAP.db.away"
rcpt "SMTP: with the map missing, a recorded client gets 550, not 451" \
	127.0.0.7 "$DENIED_550"
mv "$MAP.db.away" "$MAP.db"
rcpt "SMTP: the map back in place relays again" 127.0.0.7 "$OK_250"

t_expect_status "sendmail stops and leaves no process behind" 0 sendmail_stop "$SM"
t_expect "nothing listens on the port any more" 0 \
	"$(ss -Hltn "sport = :$PORT" | grep -c .)"
t_done

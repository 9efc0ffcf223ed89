#!/bin/bash
# The Debian packages as an admin meets them (make check-deb):
#  - debian/control's Build-Depends is the "build" tag of
#    deps/debian-packages, and the changelog's version the Makefile's;
#  - the packages build from a clean copy of the tree and lintian reports
#    no error and no warning, for the source package and the binaries;
#  - apt-get install puts the module where libpam loads it by its bare
#    name, changes no file in /etc/pam.d or /etc/mail, and a real login
#    (pam_wrapper, a service file of the test's own) is recorded in the
#    packaged store; man finds the pages, the cron file is a conffile whose
#    job expires, the units verify, rate OK or better, and are not enabled;
#    HACK(`relayers') builds a sendmail.cf that relays for the logged-in
#    client;
#  - remove keeps the store, purge leaves nothing (dpkg -L, the store, the
#    map the watcher made);
#  - an upgrade from an older build keeps the store's entries.
# The machine is put back as it was (tests/deb/machine.sh).
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/machine.sh"
T_SUITE=deb

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export LC_ALL=C.UTF-8
if [ "$(id -u)" -ne 0 ]; then
	t_fail "runs as root (it installs packages)" "uid $(id -u)"
	t_done; exit
fi

# --- one list of build-dependencies ----------------------------------------

control_build_depends() { # CONTROL: one package name a line
	awk '/^Build-Depends:/ { on = 1; sub(/^Build-Depends:/, "") }
	     on && /^[A-Za-z-]+:/ && !/^Build-Depends:/ { on = 0 }
	     on { print }' "$1" | tr ',' '\n' |
		sed 's/([^)]*)//; s/\[.*\]//; s/#.*//; s/[[:space:]]//g' | grep . | sort -u
}

# What dpkg-buildpackage assumes without Build-Depends (lintian calls
# naming them an error): build-essential's own dependencies.
build_essential() {
	dpkg-query -W -f='${Depends}' build-essential | tr ',|' '\n\n' |
		sed 's/([^)]*)//; s/:any//; s/[[:space:]]//g' | grep . | sort -u
}

check_build_depends() { # CONTROL LIST
	local want got
	want=$( (sed -e 's/#.*//' "$2" | awk '$2 == "build" { print $1 }' |
		grep -vxF -f <(build_essential); echo debhelper-compat) | sort -u)
	got=$(control_build_depends "$1")
	[ "$want" = "$got" ] && return 0
	echo "only in deps/debian-packages: [$(comm -23 <(echo "$want") <(echo "$got") | paste -sd' ')]," \
	     "only in debian/control: [$(comm -13 <(echo "$want") <(echo "$got") | paste -sd' ')]"
	return 1
}

run_check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then t_ok "$name"; else t_fail "$name" "$out"; fi
}

run_check "debian/control's Build-Depends is the build tag of deps/debian-packages" \
	check_build_depends "$ROOT/debian/control" "$ROOT/deps/debian-packages"
sed 's/^libtdb-dev .*/libtdb-dev check/' "$ROOT/deps/debian-packages" >"$T_TMP/list"
if check_build_depends "$ROOT/debian/control" "$T_TMP/list" >/dev/null; then
	t_fail "a package missing from the build tag is caught"
else
	t_ok "a package missing from the build tag is caught"
fi
sed 's/^ *pkgconf$/               pkgconf,\n               libcmocka-dev/' "$ROOT/debian/control" >"$T_TMP/control"
if check_build_depends "$T_TMP/control" "$ROOT/deps/debian-packages" >/dev/null; then
	t_fail "a Build-Depends the list lacks is caught"
else
	t_ok "a Build-Depends the list lacks is caught"
fi
t_expect "the changelog's version is the Makefile's VERSION" \
	"$(sed -n 's/^VERSION := //p' "$ROOT/Makefile")" \
	"$(dpkg-parsechangelog -l "$ROOT/debian/changelog" -S Version)"

# --- build and lint ---------------------------------------------------------

NEW=$T_TMP/new OLD=$T_TMP/old
if ! "$ROOT/scripts/build-deb" "$NEW" >"$T_TMP/build-new.log" 2>&1; then
	t_fail "the packages build from a clean copy" "$(tail -n 15 "$T_TMP/build-new.log")"
	t_done; exit
fi
t_ok "the packages build from a clean copy of the tree"
LIB=$(ls "$NEW"/libpam-relayers_*.deb) MTA=$(ls "$NEW"/relayers-mta_*.deb)
if "$ROOT/scripts/build-deb" "$OLD" 0.9.9 >"$T_TMP/build-old.log" 2>&1; then
	t_ok "the same tree builds as version 0.9.9"
else
	t_fail "the same tree builds as version 0.9.9" "$(tail -n 15 "$T_TMP/build-old.log")"
fi
if dpkg-deb -c "$LIB" | grep -q '\./build/\|/build/obj'; then
	t_fail "nothing of build/ is packaged"
else
	t_ok "nothing of build/ is packaged"
fi

# lintian_problems FILE: its E: and W: lines; fails when there are some.
lintian_problems() { ! grep -E '^[EW]: ' "$1"; }
timeout 300 lintian --pedantic -I "$NEW"/*.dsc "$NEW"/*.changes >"$T_TMP/lintian.out" 2>&1
echo "lintian said:"; sed 's/^/  /' "$T_TMP/lintian.out"
run_check "lintian reports no error and no warning (source and binaries)" lintian_problems "$T_TMP/lintian.out"
printf 'W: libpam-relayers: some-warning\n' >"$T_TMP/lintian.bad"
if lintian_problems "$T_TMP/lintian.bad" >/dev/null; then
	t_fail "a lintian warning would be caught"
else
	t_ok "a lintian warning would be caught"
fi

MULTIARCH=$(dpkg-architecture -q DEB_HOST_MULTIARCH)
PAMDIR=$(pkg-config --variable=libdir pam)/security
t_expect "pkg-config's PAM dir is the multiarch one" "/lib/$MULTIARCH/security" "$PAMDIR"
t_expect "the module is packaged in libpam's directory" ".$PAMDIR/pam_relayers.so" \
	"$(dpkg-deb -c "$LIB" | awk '{ print $6 }' | grep 'pam_relayers\.so$')"

# --- install ------------------------------------------------------------------

deb_record "$LIB" "$MTA" "$OLD"/*.deb
t_at_exit deb_restore
deb_clean
tree_sum() { find "$@" -type f -print0 2>/dev/null | sort -z | xargs -0 -r md5sum; }
pam_before=$(tree_sum /etc/pam.d /etc/mail)

if deb_apt install "$LIB" "$MTA" >"$T_TMP/apt.log" 2>&1; then
	t_ok "apt-get install ./libpam-relayers*.deb ./relayers-mta*.deb"
else
	t_fail "apt-get install of both packages" "$(tail -n 10 "$T_TMP/apt.log")"
	t_done; exit
fi
t_expect "installing changed no file in /etc/pam.d or /etc/mail" "$pam_before" \
	"$(tree_sum /etc/pam.d /etc/mail)"
t_expect "/var/lib/relayers is root's, mode 0750" "root:root 750" \
	"$(stat -c '%U:%G %a' /var/lib/relayers 2>&1)"
t_expect "no store before the first login" no "$([ -e /var/lib/relayers/relayers.tdb ] && echo yes || echo no)"

# A real login through the installed module, named as an admin names it.
P=$T_TMP/pam
mkdir "$P"
printf 'alice:secret:relayers-test\n' >"$P/passdb"
{
	echo "auth     required /usr/lib/$MULTIARCH/pam_wrapper/pam_matrix.so passdb=$P/passdb"
	echo "account  required pam_permit.so"
	echo "account  optional pam_relayers.so"
} >"$P/relayers-test"
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$P/other"
pam_login() { # RHOST
	echo secret | timeout 30 env LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 \
		PAM_WRAPPER_SERVICE_DIR="$P" pamtester -I rhost="$1" relayers-test alice \
		authenticate acct_mgmt >"$T_TMP/pam.out" 2>&1
}
if pam_login 192.0.2.7; then t_ok "a login through pam_relayers.so (bare name) succeeds"
else t_fail "a login through pam_relayers.so succeeds" "$(cat "$T_TMP/pam.out")"; fi
t_expect "libpam loaded the module (no dlopen error)" "" \
	"$(grep -i 'dlopen\|faulty' "$T_TMP/pam.out")"
t_expect "the login is recorded in the packaged store" 192.0.2.7 \
	"$(/usr/sbin/vsmtprelay dump 2>&1 | cut -f1)"
t_expect "the store is root's, mode 0600" "root:root 600" \
	"$(stat -c '%U:%G %a' /var/lib/relayers/relayers.tdb 2>&1)"

for page in vsmtprelay mapgen pam_relayers; do
	t_expect_match "man $page works" "^${page^^}\(8\)" \
		"$(MANWIDTH=80 MANPAGER=cat man 8 "$page" 2>&1 | head -n 1)"
done

# The cron file: a conffile, the example's text, and a job that runs.
conffiles=$(dpkg-query -W -f='${Conffiles}' libpam-relayers | awk '{ print $1 }')
for cron_file in /etc/cron.d/relayers /etc/cron.d/relayers-repair; do
	if printf '%s\n' "$conffiles" | grep -qx "$cron_file"; then
		t_ok "$cron_file is a conffile"
	else
		t_fail "$cron_file is a conffile" "conffiles: $conffiles"
	fi
done
if cmp -s "$ROOT/examples/cron.d/relayers" /etc/cron.d/relayers; then
	t_ok "/etc/cron.d/relayers is examples/cron.d/relayers"
else t_fail "/etc/cron.d/relayers is examples/cron.d/relayers"; fi
/usr/sbin/vsmtprelay add 192.0.2.99 $(( $(date +%s) - 2 * 86400 ))
cron_path=$(sed -n 's/^PATH=//p' /etc/cron.d/relayers)
cron_cmd=$(grep -vE '^[[:space:]]*(#|$)|^[A-Za-z_]+=' /etc/cron.d/relayers | awk '{ $1=$2=$3=$4=$5=$6=""; print }')
# A make install into /usr/local comes first on the file's PATH, by design.
want=/usr/sbin/vsmtprelay
[ ! -x /usr/local/sbin/vsmtprelay ] || want=/usr/local/sbin/vsmtprelay
t_expect "the cron job finds the packaged vsmtprelay (or a /usr/local one)" "$want" \
	"$(env -i PATH="$cron_path" sh -c 'command -v vsmtprelay')"
timeout 30 env -i SHELL=/bin/sh HOME=/root PATH="$cron_path" /bin/sh -c "$cron_cmd"
t_expect "the cron job expires the old entry, keeps the login" 192.0.2.7 \
	"$(/usr/sbin/vsmtprelay dump | cut -f1 | paste -sd' ')"

# The units: in systemd's directory, verified, rated, not enabled.
units=$(dpkg -L libpam-relayers relayers-mta | grep '^/lib/systemd/system/.*\.\(service\|socket\|timer\)$' | sort)
t_expect "every examples/systemd unit is installed" \
	"$(cd "$ROOT/examples/systemd" && ls *.service *.socket *.timer 2>/dev/null | sort | paste -sd' ')" \
	"$(printf '%s\n' "$units" | xargs -n1 basename | sort | paste -sd' ')"
for unit in $units; do
	name=$(basename "$unit")
	out=$(systemd-analyze verify "$unit" 2>&1)
	t_expect "systemd-analyze verify $name is clean" "" "$out"
	case $name in
	*.service)
		rating=$(systemd-analyze security --offline=true "$unit" 2>&1 |
			sed -n 's/^→ Overall exposure level for [^:]*: //p')
		echo "  $name: $rating"
		t_expect_match "systemd-analyze security rates $name OK or better" \
			'^[0-9.]+ (OK|SAFE)' "$rating" ;;
	*.socket)
		# systemd rates services only; a socket's SocketMode= defaults
		# to 0666, so each one must say who may connect.
		t_expect_match "$name sets a SocketMode= without write for others" \
			'^SocketMode=0?[0-7]?[0-7][0-7][0145]$' "$(grep '^SocketMode=' "$unit" | tail -n 1)" ;;
	esac
	grep -q '^ExecStart=/usr/local' "$unit" && t_fail "$name runs a /usr/local program"
done
t_expect "no relayers unit is enabled" "" \
	"$(find /etc/systemd/system -name 'relayers*' 2>/dev/null)"
t_expect "relayers-mapgen.service's watcher uses --max-age 30 (RELAYERS_MAX_AGE)" 1 \
	"$(grep -c '^ExecStart=/usr/sbin/mapgen --watch .*--max-age 30$' /lib/systemd/system/relayers-mapgen.service)"

# HACK(`relayers') from the packaged hack, against a map of the login.
. "$ROOT/tests/lib/sendmail.sh"
S=$T_TMP/sendmail
sendmail_write_mc "$S" 25 "$S/relayers" 30
sed -i "s|^include(\`$SENDMAIL_HACK')dnl\$|HACK(\`relayers')dnl|" "$S/test.mc"
t_expect "the test .mc names HACK(\`relayers')" 1 "$(grep -c "^HACK(\`relayers')dnl" "$S/test.mc")"
/usr/sbin/mapgen -o "$S/relayers"
if sendmail_build_cf "$S/test.mc" "$S/test.cf" 2>"$T_TMP/m4.err"; then
	t_ok "HACK(\`relayers') builds with Debian's sendmail-cf"
	t_expect "the built .cf relays for the logged-in client" '$# OK' \
		"$(sendmail_check_rcpt "$S/test.cf" 192.0.2.7 "$(date +%s)" '<x@remote.example>')"
	t_expect_match "and for no other" 'Relaying denied' \
		"$(sendmail_check_rcpt "$S/test.cf" 192.0.2.8 "$(date +%s)" '<x@remote.example>')"
else
	t_fail "HACK(\`relayers') builds with Debian's sendmail-cf" "$(cat "$T_TMP/m4.err")"
fi

# --- remove, purge ------------------------------------------------------------

# As the watcher would have: its state directory and the map it wrote.
mkdir -p /etc/mail /var/lib/relayers-mapgen
/usr/sbin/mapgen -o /etc/mail/relayers
deb_apt remove relayers-mta libpam-relayers >"$T_TMP/apt.log" 2>&1
t_expect "apt-get remove: libpam-relayers keeps its conffile only" config-files \
	"$(dpkg-query -W -f='${db:Status-Status}' libpam-relayers)"
t_expect "remove keeps the store and its entries" 192.0.2.7 \
	"$("$RELAYERS_BUILD/vsmtprelay" dump 2>&1 | cut -f1)"
t_expect "remove takes the module out of libpam's directory" no \
	"$([ -e "$PAMDIR/pam_relayers.so" ] && echo yes || echo no)"
deb_apt purge relayers-mta libpam-relayers >"$T_TMP/apt.log" 2>&1
for pkg in libpam-relayers relayers-mta; do
	t_expect "purge: dpkg -L $pkg knows no files" "" "$(dpkg -L "$pkg" 2>/dev/null)"
done
t_expect "purge deletes /var/lib/relayers and the store" no \
	"$([ -e /var/lib/relayers ] && echo yes || echo no)"
t_expect "purge deletes /etc/cron.d/relayers" no \
	"$([ -e /etc/cron.d/relayers ] && echo yes || echo no)"
t_expect "purge deletes /etc/cron.d/relayers-repair" no \
	"$([ -e /etc/cron.d/relayers-repair ] && echo yes || echo no)"
t_expect "purge deletes the map the watcher made, and its state" no \
	"$([ -e /etc/mail/relayers.db ] || [ -e /var/lib/relayers-mapgen ] && echo yes || echo no)"
for unit in $units; do
	[ ! -e "$unit" ] || t_fail "purge leaves $unit"
done

# --- upgrade ------------------------------------------------------------------

if deb_apt install "$OLD"/libpam-relayers_0.9.9_*.deb "$OLD"/relayers-mta_0.9.9_*.deb \
		>"$T_TMP/apt.log" 2>&1; then
	t_ok "version 0.9.9 installs"
else
	t_fail "version 0.9.9 installs" "$(tail -n 10 "$T_TMP/apt.log")"
fi
pam_login 192.0.2.7
pam_login 2001:db8::7
/usr/sbin/vsmtprelay add 198.51.100.3
before=$(/usr/sbin/vsmtprelay dump | cut -f1,2 | sort)
t_expect "the old version's store holds three entries" 3 "$(printf '%s\n' "$before" | grep -c .)"
/usr/sbin/mapgen -o /etc/mail/relayers   # by hand: not the watcher's, so it stays
if deb_apt install "$LIB" "$MTA" >"$T_TMP/apt.log" 2>&1; then
	t_ok "upgrade to $(dpkg-deb -f "$LIB" Version) with apt-get install"
else
	t_fail "upgrade with apt-get install" "$(tail -n 10 "$T_TMP/apt.log")"
fi
t_expect "the upgraded package is the new version" "$(dpkg-deb -f "$LIB" Version)" \
	"$(dpkg-query -W -f='${Version}' libpam-relayers)"
t_expect "the store's entries survive the upgrade" "$before" "$(/usr/sbin/vsmtprelay dump | cut -f1,2 | sort)"
if pam_login 192.0.2.8 && /usr/sbin/vsmtprelay dump | grep -q '^192\.0\.2\.8'; then
	t_ok "logins are recorded after the upgrade"
else t_fail "logins are recorded after the upgrade" "$(cat "$T_TMP/pam.out")"; fi
deb_apt purge relayers-mta libpam-relayers >"$T_TMP/apt.log" 2>&1
t_expect "purge keeps a map the watcher did not make" yes \
	"$([ -e /etc/mail/relayers.db ] && echo yes || echo no)"
rm -f /etc/mail/relayers.db

t_done

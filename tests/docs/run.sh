#!/bin/bash
# The manuals and the cron example, held to the code they describe:
#  - every docs/*.8 passes mandoc's and groff's lint and renders with man -l;
#  - vsmtprelay.8 names exactly the commands --help lists and the exit
#    codes and options the program really has (each code provoked by
#    running it); pam_relayers.8 exactly the options the module's parser
#    accepts (module_option_probe), its defaults and which hooks record;
#  - make install puts every page in man8 and the module in libpam's dir,
#    the units with its own sbin paths, and a /usr/local/bin/vsmtprelay
#    link that runs the seed's crontab line; make uninstall undoes it;
#  - examples/cron.d/relayers is a valid cron.d file whose job expires
#    day-old entries with the installed vsmtprelay.
# Each checker is also run on a broken copy, to show it can fail.
. "$(dirname "$0")/../lib/harness.sh"
T_SUITE=docs

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
V=$RELAYERS_BUILD/vsmtprelay
export LC_ALL=C.UTF-8 MANWIDTH=80

# --- helpers ---------------------------------------------------------------

is_mdoc() { grep -q '^\.Dd' "$1"; }

# Text on one line, runs of blanks squeezed.
flat() { printf '%s' "$1" | tr -s ' \t\n' '   ' | sed 's/^ //; s/ $//'; }

# The page as plain text, wide enough that no phrase is broken; rendered
# once per file, since the checks read it many times.
plain() {
	local cache=$T_TMP/plain${1//\//_}
	[ -s "$cache" ] || mandoc -T ascii -O width=200 "$1" | col -bx >"$cache"
	cat "$cache"
}

# plain_section PAGE HEADING: the rendered body of one section.
plain_section() {
	plain "$1" | awk -v h="$2" '
		/^[A-Z]/ { inside = ($0 == h); next }
		inside'
}

# source_tags PAGE SECTION: the first word of every list item's tag in
# SECTION, from the source, for man(7) (.TP) and mdoc (.It) alike.
source_tags() {
	awk -v want="$2" '
		function clean(s) {
			gsub(/\\f[BIRP]/, "", s); gsub(/\\-/, "-", s)
			gsub(/\\e/, "\\", s); gsub(/"/, "", s)
			return s
		}
		/^\.(SH|Sh) / { s = $0; sub(/^\.(SH|Sh) +/, "", s); gsub(/"/, "", s)
			section = s; tag_next = 0; next }
		section != want { next }
		/^\.TP/ { tag_next = 1; next }
		tag_next { tag_next = 0; line = clean($0)
			sub(/^\.[A-Z][A-Z]? +/, "", line)
			split(line, w, /[ ,]+/); print w[1]; next }
		/^\.It / { line = clean($0); sub(/^\.It +/, "", line)
			n = split(line, w, / +/); dash = ""
			for (i = 1; i <= n; i++) {
				if (w[i] == "Fl") { dash = "-"; continue }
				if (w[i] ~ /^(Cm|Ar|Li|Ic|Sy|Ev|Pa|Va|No)$/) continue
				print dash w[i]; break
			} }
	' "$1"
}

# same_set NAME WANT GOT: two newline-separated lists hold the same items.
same_set() {
	local missing extra
	missing=$(comm -23 <(printf '%s\n' "$2" | sort -u) <(printf '%s\n' "$3" | sort -u))
	extra=$(comm -13 <(printf '%s\n' "$2" | sort -u) <(printf '%s\n' "$3" | sort -u))
	[ -z "$missing$extra" ] && return 0
	echo "$1: missing [$(flat "$missing")], not in the code [$(flat "$extra")]"
	return 1
}

# --- lint: each prints what is wrong and fails, or prints nothing ----------

lint_mandoc() {
	local out
	out=$(mandoc -T lint -W warning "$1" 2>&1) && [ -z "$out" ] && return 0
	echo "${out:-mandoc failed}"
	return 1
}

lint_groff() {
	local macros=-man pre=() out
	is_mdoc "$1" && macros=-mdoc
	# A first line like '\" t names the preprocessors man would run.
	case $(head -n 1 "$1") in
	"'\\\" "*) [[ $(head -n 1 "$1") == *t* ]] && pre+=(-t)
		   [[ $(head -n 1 "$1") == *e* ]] && pre+=(-e) ;;
	esac
	out=$(groff -ww -z "${pre[@]}" "$macros" "$1" 2>&1) && [ -z "$out" ] &&
		return 0
	echo "${out:-groff failed}"
	return 1
}

lint_man() {
	local page=$1 name err out width
	name=$(basename "$page" .8)
	out=$(man -l "$page" 2>"$T_TMP/man.err") || { cat "$T_TMP/man.err"; return 1; }
	err=$(cat "$T_TMP/man.err")
	[ -z "$err" ] || { echo "man -l: $err"; return 1; }
	printf '%s\n' "$out" | head -n 1 | grep -qi "^${name}(8)" ||
		{ echo "no ${name}(8) header"; return 1; }
	printf '%s\n' "$out" | grep -q '^NAME' || { echo "no NAME section"; return 1; }
	width=$(printf '%s\n' "$out" | wc -L)
	[ "$width" -le 80 ] || { echo "a line is $width columns wide at MANWIDTH=80:"
		printf '%s\n' "$out" | awk 'length > 80' | head -n 3; return 1; }
}

lint_title() {
	local name
	name=$(basename "$1" .8)
	if is_mdoc "$1"; then
		grep -qi "^\.Dt $name 8\b" "$1" && return 0
	else
		grep -qi "^\.TH \"\?$name\"\? 8 " "$1" && return 0
	fi
	echo "title line does not name $name, section 8"
	return 1
}

# --- agreement with the code -------------------------------------------------

HELP=$("$V" --help)
vhelp() { printf '%s\n' "$HELP"; }
help_commands() { vhelp | awk '/^commands:/ { on = 1; next } on && NF == 0 { exit } on { print $1 }'; }

check_vsmtprelay_commands() {
	local page=$1 problems=0 synopsis commands word
	same_set "COMMANDS in $(basename "$page")" "$(help_commands)" \
		"$(source_tags "$page" COMMANDS)" || problems=1
	synopsis=$(plain_section "$page" SYNOPSIS)
	for word in $(help_commands); do
		grep -qw -- "$word" <<<"$synopsis" ||
			{ echo "$word is not in the SYNOPSIS"; problems=1; }
	done
	# Options inside the command list, such as check's --repair.
	commands=$(plain_section "$page" COMMANDS)
	for word in $(vhelp | awk '/^commands:/,/^$/' | grep -o -- '--[a-z-]*' | sort -u); do
		grep -q -- "$word" <<<"$commands" ||
			{ echo "$word is not in COMMANDS"; problems=1; }
	done
	return $problems
}

# The options vsmtprelay itself takes: the letters its --help synopsis
# shows ([-f store]) and the long options it answers with exit 0.
program_options() {
	vhelp | grep -o '\[-[a-zA-Z] [a-z]*\]' | grep -o -- '-[a-zA-Z]'
	local long
	for long in --help --version -h; do
		"$V" "$long" >/dev/null 2>&1 && echo "$long"
	done
}

# Whether vsmtprelay accepts option $1: alone, or with a store and a
# command after it (-f store dump).
accepts_option() {
	"$V" "$1" >/dev/null 2>&1 || "$V" "$1" "$DOCS_STORE" dump >/dev/null 2>&1
}

check_vsmtprelay_options() {
	local page=$1 problems=0 text flag
	text=$(plain_section "$page" OPTIONS)
	for flag in $(program_options); do
		grep -q -- "$flag\b" <<<"$text" ||
			{ echo "option $flag is not in OPTIONS"; problems=1; }
	done
	# Every option the page gives is one the program takes; an unknown
	# one is refused, or the probe proves nothing.
	for flag in $(source_tags "$page" OPTIONS) -Z --no-such-option; do
		case $flag in
		-Z|--no-such-option) ! accepts_option "$flag" ||
			{ echo "vsmtprelay accepts $flag, so the probe proves nothing"; problems=1; } ;;
		*) accepts_option "$flag" ||
			{ echo "OPTIONS gives $flag, which vsmtprelay refuses"; problems=1; } ;;
		esac
	done
	return $problems
}

# A stand-in for Dovecot's anvil at $1: "garbage" answers what anvil
# never would, "silent" accepts and never answers.  Runs in the
# background until one client has come and gone.
fake_anvil() {
	rm -f "$1" "$1.ready"
	python3 - "$1" "$2" <<'PY' &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o600)
s.listen(1)
open(sys.argv[1] + ".ready", "w").close()
c, _ = s.accept()
c.recv(4096)
if sys.argv[2] == "garbage":
    c.sendall(b"this is not anvil\n")
else:
    time.sleep(6)
c.close()
PY
	for _ in $(seq 50); do [ -e "$1.ready" ] && break; sleep 0.1; done
}

# exit_of CMD...: the exit status, the output dropped.
exit_of() { "$@" >/dev/null 2>&1; echo $?; }

# Every exit status vsmtprelay.8 documents, each provoked by running the
# program, not read from its source.  71 (out of memory) cannot be
# provoked from outside and is taken as documented.
provoked_exit_statuses() {
	local d=$T_TMP/exits long
	rm -rf "$d" && mkdir -p "$d"
	exit_of "$V" -f "$d/s.tdb" add 192.0.2.1
	exit_of "$V" -f "$d/s.tdb" delete 192.0.2.99
	exit_of "$V" -f "$d/s.tdb" no-such-command
	printf 'not a tdb\n' >"$d/foreign" && chmod 0600 "$d/foreign"
	exit_of "$V" -f "$d/foreign" dump
	exit_of "$V" -f "$d/missing.tdb" dump
	exit_of "$V" -f "$d/s.tdb" refresh --anvil "$d/no-anvil"
	echo 71
	long=$d/$(printf 'x%.0s' $(seq 300)).tdb
	exit_of "$V" -f "$long" dump
	fake_anvil "$d/silent" silent
	exit_of "$V" -f "$d/s.tdb" refresh --anvil "$d/silent"
	fake_anvil "$d/garbage" garbage
	exit_of "$V" -f "$d/s.tdb" refresh --anvil "$d/garbage"
	wait
	cp "$d/s.tdb" "$d/open.tdb" && chmod 0666 "$d/open.tdb"
	exit_of "$V" -f "$d/open.tdb" dump
}

check_vsmtprelay_exit_status() {
	[ -n "$PROVOKED" ] || { echo "no exit status could be provoked"; return 1; }
	same_set "EXIT STATUS in $(basename "$1")" "$PROVOKED" \
		"$(source_tags "$1" "EXIT STATUS")"
}

header_value() { # FILE MACRO: the number a #define gives
	awk -v m="$2" '$1 == "#define" && $2 == m { print $3 }' "$1"
}

check_vsmtprelay_figures() {
	local page=$1 text problems=0 store busy
	text=$(plain "$page" | tr -s ' \n' ' ')
	store=$(vhelp | sed -n 's/^The store is \(.*\) unless.*/\1/p')
	busy=$(( $(header_value "$ROOT/vsmtprelay/commands.h" CLI_TIMEOUT_MS) / 1000 ))
	grep -qF -- "$store" <<<"$text" || { echo "default store $store missing"; problems=1; }
	grep -q "$busy seconds" <<<"$text" || { echo "busy wait of $busy seconds missing"; problems=1; }
	anvil_wait=$(( $(header_value "$ROOT/vsmtprelay/anvil.h" ANVIL_TIMEOUT_MS) / 1000 ))
	anvil_path=$(sed -n 's/^#define ANVIL_DEFAULT_PATH "\(.*\)"$/\1/p' "$ROOT/vsmtprelay/anvil.h")
	grep -q "within $anvil_wait seconds" <<<"$text" ||
		{ echo "refresh's wait of $anvil_wait seconds for anvil missing"; problems=1; }
	grep -qF -- "default $anvil_path" <<<"$text" ||
		{ echo "refresh's default socket $anvil_path missing"; problems=1; }
	return $problems
}

PROBE=$RELAYERS_BUILD/tests/docs/module_option_probe

# module_accepts OPTION: the module's parser takes OPTION (NAME= with
# some value of the kinds its options have).
module_accepts() {
	local value
	case $1 in
	*=) for value in 1 /var/lib/relayers/relayers.tdb 127.0.0.0/8; do
		"$PROBE" "$1$value" 2>/dev/null && return 0
	    done
	    return 1 ;;
	*) "$PROBE" "$1" 2>/dev/null ;;
	esac
}

# The options the module takes that its binary names: each word in
# pam_relayers.so that could be one and that its parser accepts (a short
# one such as db= is compared inline, so it has no word of its own and is
# held to the page only the other way round).  An unknown word must be
# refused, or the list proves nothing.
module_words() {
	module_accepts no_such_option && { echo "the parser takes anything"; return 1; }
	strings -n 2 "$RELAYERS_BUILD/pam_relayers.so" | grep -E '^[a-z_]+=?$' | sort -u |
		while read -r word; do
			if module_accepts "$word"; then echo "$word"; fi
		done
}

check_pam_options() {
	local page=$1 tags words synopsis word problems=0
	tags=$(source_tags "$page" OPTIONS | sed 's/=.*/=/')
	words=$(module_words) || { echo "$words"; return 1; }
	[ -n "$words" ] || { echo "no option found in pam_relayers.so"; return 1; }
	for word in $tags; do
		module_accepts "$word" ||
			{ echo "OPTIONS gives $word, which the module refuses"; problems=1; }
	done
	for word in $words; do
		grep -qxF -- "$word" <<<"$tags" ||
			{ echo "the module takes $word, which OPTIONS lacks"; problems=1; }
	done
	synopsis=$(plain_section "$page" SYNOPSIS)
	for word in $tags; do
		grep -qF -- "$word" <<<"$synopsis" ||
			{ echo "$word is not in the SYNOPSIS"; problems=1; }
	done
	return $problems
}

check_pam_figures() {
	local page=$1 text problems=0 h=$ROOT/pam_relayers/options.h exclude
	text=$(plain "$page" | tr -s ' \n' ' ')
	exclude=$(awk '/^void relay_cidr_list_default_exclude/, /^}/' "$ROOT/core/cidr.c" |
		grep -o '"[^"]*"' | tr -d '"')
	for want in "default is $(header_value "$h" RELAY_TIMEOUT_DEFAULT_MS)" \
		    "to $(header_value "$h" RELAY_TIMEOUT_MAX_MS)" \
		    "default is $exclude" \
		    "up to $(header_value "$ROOT/core/cidr.h" RELAY_CIDR_LIST_MAX)" \
		    "longer than $(header_value "$ROOT/core/escape.h" RELAY_ESCAPE_INPUT_MAX) bytes" \
		    "$(vhelp | sed -n 's/^The store is \(.*\) unless.*/\1/p')"; do
		grep -qF -- "$want" <<<"$text" || { echo "\"$want\" missing"; problems=1; }
	done
	return $problems
}

# The audit line the page shows is one the code's LOG_INFO format writes.
check_pam_log_line() {
	local format pattern
	format=$(grep -o 'LOG_INFO, "[^)]*",' "$ROOT/pam_relayers/pam_relayers.c" |
		sed 's/^LOG_INFO, "//; s/",$//; s/\\"/"/g')
	[ -n "$format" ] || { echo "no LOG_INFO line in pam_relayers.c"; return 1; }
	pattern=$(printf '%s' "$format" | sed 's/[][\\.*^$(){}+?|]/\\&/g; s/%s/[^ ]+/g')
	plain_section "$1" LOGGING | grep -qE "^ +$pattern\$" && return 0
	echo "no line in LOGGING matches the code's format: $format"
	return 1
}

# Which pam_sm_* hooks call record_login, per pam_relayers.c, against the
# word ("Records" or "Never") that follows each hook's tag in the page.
check_pam_hooks() {
	local page=$1 text hook records said problems=0
	text=$(plain "$page")
	for hook in $(grep -o 'pam_sm_[a-z_]*' "$ROOT/pam_relayers/pam_relayers.map"); do
		records=$(awk -v h="$hook" '
			$0 ~ "^PAM_EXTERN int " h "\\(" { inside = 1 }
			inside && /record_login\(/ { found = 1 }
			inside && /^}/ { exit }
			END { print found ? "Records" : "Never" }' "$ROOT/pam_relayers/pam_relayers.c")
		said=$(awk -v h="$hook" 'index($0, h) && /^       [a-z]/ {
			getline; sub(/[.,;:]$/, "", $1); print $1; exit }' <<<"$text")
		[ "$said" = "$records" ] ||
			{ echo "$hook: the code says $records, the page says [${said}]"; problems=1; }
	done
	return $problems
}

# relayersd.8's OPTIONS: exactly the options relayersd --help lists.
relayersd_help_options() {
	"$RELAYERS_BUILD/relayersd" --help |
		awk '/^options:/ { on = 1; next } on && $1 ~ /^-/ { sub(/,$/, "", $1); print $1 }'
}

check_relayersd_options() {
	same_set "OPTIONS in $(basename "$1")" "$(relayersd_help_options)" \
		"$(source_tags "$1" OPTIONS)"
}

# run_check NAME CHECK ARGS...: t_ok, or t_fail with what the check said.
run_check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then t_ok "$name"; else t_fail "$name" "$(flat "$out" | cut -c1-400)"; fi
}

# must_fail NAME CHECK ARGS...: a broken copy must be caught.
must_fail() {
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then t_fail "$name"; else t_ok "$name"; fi
}

# --- every page renders cleanly --------------------------------------------

pages=("$ROOT"/docs/*.8)
[ -e "${pages[0]}" ] || { t_fail "docs/*.8 exist"; t_done; exit; }
have_groff=yes
command -v groff >/dev/null || have_groff=no

for page in "${pages[@]}"; do
	p=$(basename "$page")
	run_check "$p: mandoc -Tlint -W warning is silent" lint_mandoc "$page"
	if [ $have_groff = yes ]; then
		run_check "$p: groff -ww -z is silent" lint_groff "$page"
	else
		echo "skip $T_SUITE: $p: groff is not installed (apt-get install groff-base)"
	fi
	run_check "$p: man -l renders within 80 columns" lint_man "$page"
	run_check "$p: title names the page, section 8" lint_title "$page"
done

# --- the pages agree with the code -----------------------------------------

VPAGE=$ROOT/docs/vsmtprelay.8
DOCS_STORE=$T_TMP/docs.tdb
"$V" -f "$DOCS_STORE" add 192.0.2.1
PROVOKED=$(provoked_exit_statuses)
PPAGE=$ROOT/docs/pam_relayers.8
run_check "vsmtprelay.8 documents every command of --help, and no other" \
	check_vsmtprelay_commands "$VPAGE"
run_check "vsmtprelay.8 documents exactly the options vsmtprelay takes" \
	check_vsmtprelay_options "$VPAGE"
run_check "vsmtprelay.8 lists exactly the exit codes running vsmtprelay provokes" \
	check_vsmtprelay_exit_status "$VPAGE"
run_check "vsmtprelay.8 gives the default store and the busy wait" \
	check_vsmtprelay_figures "$VPAGE"
run_check "pam_relayers.8 documents every option the module accepts, and no other" \
	check_pam_options "$PPAGE"
run_check "pam_relayers.8 gives the code's defaults and limits" \
	check_pam_figures "$PPAGE"
run_check "pam_relayers.8 says which hooks record, as the code does" \
	check_pam_hooks "$PPAGE"
run_check "pam_relayers.8 shows the audit line the code writes" \
	check_pam_log_line "$PPAGE"
run_check "relayersd.8 documents every option of --help, and no other" \
	check_relayersd_options "$ROOT/docs/relayersd.8"

# --- the checkers catch broken pages ---------------------------------------

B=$T_TMP/broken
mkdir -p "$B"
sed '/^\.SH DESCRIPTION/a .XX not a macro' "$VPAGE" >"$B/macro.8"
must_fail "mandoc lint catches an unknown macro" lint_mandoc "$B/macro.8"
[ $have_groff = no ] ||
	must_fail "groff lint catches an unknown macro" lint_groff "$B/macro.8"
sed 's/^\.B vsmtprelay \\-\\-version$/.B vsmtprelay \\-\\-version \\*(ZZ/' "$VPAGE" >"$B/string.8"
[ $have_groff = no ] ||
	must_fail "groff lint catches an undefined string" lint_groff "$B/string.8"
sed 's/^account optional pam_relayers.so stdin_peer$/& debug timeout=500 exclude=127.0.0.0\/8,::1,192.0.2.10/' \
	"$PPAGE" >"$B/wide.8"
must_fail "man -l check catches a line wider than 80 columns" lint_man "$B/wide.8"
# Drop the dump item (its .TP, tag and first line) from COMMANDS.
awk '/^\.TP$/ { hold = $0; next }
     hold != "" && /^\.B dump$/ { hold = ""; skip = 1; next }
     hold != "" { print hold; hold = "" }
     skip { skip = 0; next } { print }' "$VPAGE" >"$B/nodump.8"
must_fail "a command missing from vsmtprelay.8 is caught" check_vsmtprelay_commands "$B/nodump.8"
sed 's/^\.B dump$/.B frobnicate/' "$VPAGE" >"$B/extra.8"
must_fail "a command vsmtprelay lacks is caught" check_vsmtprelay_commands "$B/extra.8"
sed 's/^\.B 75$/.B 76/' "$VPAGE" >"$B/exit.8"
must_fail "a wrong exit code in vsmtprelay.8 is caught" check_vsmtprelay_exit_status "$B/exit.8"
sed 's/^\.B \\-\\-version$/.B \\-\\-verbose/' "$VPAGE" >"$B/option.8"
must_fail "an option vsmtprelay refuses, in vsmtprelay.8, is caught" check_vsmtprelay_options "$B/option.8"
sed 's/^\.B stdin_peer$/.B stdin_socket/' "$PPAGE" >"$B/opt.8"
must_fail "a module option missing from pam_relayers.8 is caught" check_pam_options "$B/opt.8"
sed 's/the default is 250/the default is 300/' "$PPAGE" >"$B/timeout.8"
must_fail "a wrong default timeout is caught" check_pam_figures "$B/timeout.8"
awk '{ print } /pam_sm_close_session\)"$/ { getline; print "Records." }' "$PPAGE" >"$B/hook.8"
must_fail "a hook wrongly said to record is caught" check_pam_hooks "$B/hook.8"
sed 's/^relay allowed for /relay opened for /' "$PPAGE" >"$B/log.8"
must_fail "an audit line the code does not write is caught" check_pam_log_line "$B/log.8"
sed 's/^\.BI \\-\\-idle\\-timeout " seconds"$/.BI \\-\\-idle\\-time " seconds"/' \
	"$ROOT/docs/relayersd.8" >"$B/rd.8"
must_fail "an option missing from relayersd.8 is caught" check_relayersd_options "$B/rd.8"

# --- make install ------------------------------------------------------------

# install_into DESTDIR [VAR=value...]: the real top-level install, with
# the programs under test.  A make of its own, not a sub-make of ours.
install_into() {
	local dest=$1
	shift
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		timeout 600 make -s -C "$ROOT" BUILD="$RELAYERS_BUILD" DESTDIR="$dest" "$@" install \
		>"$T_TMP/install.log" 2>&1
}

check_installed_pages() { # MAN8DIR
	local page problems=0
	for page in "${pages[@]}"; do
		if ! cmp -s "$page" "$1/$(basename "$page")"; then
			echo "$(basename "$page") not installed in $1"; problems=1
		elif [ "$(stat -c %a "$1/$(basename "$page")")" != 644 ]; then
			echo "$(basename "$page") is not mode 0644"; problems=1
		fi
	done
	return $problems
}

R=$T_TMP/root
PAM_LIBDIR=$(pkg-config --variable=libdir pam)
if install_into "$R"; then
	t_ok "make install DESTDIR=... succeeds"
	run_check "every docs/*.8 is installed in \$(MANDIR)/man8" \
		check_installed_pages "$R/usr/local/share/man/man8"
	if cmp -s "$RELAYERS_BUILD/pam_relayers.so" "$R$PAM_LIBDIR/security/pam_relayers.so"; then
		t_ok "pam_relayers.so lands in pkg-config's libdir/security ($PAM_LIBDIR/security)"
	else
		t_fail "pam_relayers.so lands in $PAM_LIBDIR/security" "$(cd "$R" && find . -name '*.so')"
	fi
	if cmp -s "$V" "$R/usr/local/sbin/vsmtprelay"; then
		t_ok "vsmtprelay lands in \$(PREFIX)/sbin"
	else
		t_fail "vsmtprelay lands in \$(PREFIX)/sbin"
	fi
	if cmp -s "$RELAYERS_BUILD/relayersd" "$R/usr/local/sbin/relayersd"; then
		t_ok "relayersd lands in \$(PREFIX)/sbin"
	else
		t_fail "relayersd lands in \$(PREFIX)/sbin"
	fi
	for name in vsmtprelay pam_relayers; do
		out=$(man -M "$R/usr/local/share/man" 8 "$name" 2>&1)
		t_expect_match "man finds the installed $name(8) by name" "^${name^^}\(8\)" "$out"
	done
else
	t_fail "make install DESTDIR=... succeeds" "$(tail -n 5 "$T_TMP/install.log")"
fi
if install_into "$T_TMP/root-usr" PREFIX=/usr; then
	run_check "PREFIX=/usr puts the pages in /usr/share/man/man8" \
		check_installed_pages "$T_TMP/root-usr/usr/share/man/man8"
else
	t_fail "make install PREFIX=/usr succeeds" "$(tail -n 5 "$T_TMP/install.log")"
fi

# --- make install: the seed's crontab path, the units; make uninstall ------

if [ -d "$R/usr/local/sbin" ]; then
	t_expect "make install links /usr/local/bin/vsmtprelay to sbin" /usr/local/sbin/vsmtprelay \
		"$(readlink "$R/usr/local/bin/vsmtprelay")"
	# The seed's root crontab line, its absolute path as it is, with the
	# installed /usr/local bind-mounted in a private mount namespace.
	S0=$T_TMP/seed.tdb
	"$V" -f "$S0" add 192.0.2.1 $(( $(date +%s) - 1441 * 60 ))
	"$V" -f "$S0" add 192.0.2.2
	timeout 30 unshare -m sh -c "mount --bind '$R/usr/local' /usr/local &&
		/usr/local/bin/vsmtprelay -f '$S0' expire 1440"
	t_expect "the seed's line /usr/local/bin/vsmtprelay expire 1440 runs" 0 $?
	t_expect "and expires the day-old entry" 192.0.2.2 "$("$V" -f "$S0" dump | cut -f1)"
	for unit in "$ROOT"/examples/systemd/*.service "$ROOT"/examples/systemd/*.socket \
		    "$ROOT"/examples/systemd/*.timer; do
		[ -e "$unit" ] || continue
		got=$R/usr/local/lib/systemd/system/$(basename "$unit")
		t_expect "make install puts $(basename "$unit") in \$(PREFIX)/lib/systemd/system, sbin paths its own" \
			"$(sed 's|/usr/sbin/|/usr/local/sbin/|g' "$unit")" "$(cat "$got" 2>&1)"
	done
	mkdir -p "$R/etc/pam.d"
	echo 'account  optional  pam_relayers.so' >"$R/etc/pam.d/dovecot"
	if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL timeout 300 make -s -C "$ROOT" \
			BUILD="$RELAYERS_BUILD" DESTDIR="$R" uninstall >"$T_TMP/uninstall.log" 2>&1; then
		t_fail "make uninstall refuses while a PAM service names the module"
	else
		t_expect_match "make uninstall refuses while a PAM service names the module" \
			'dovecot' "$(cat "$T_TMP/uninstall.log")"
	fi
	rm "$R/etc/pam.d/dovecot"
	mkdir -p "$R/var/lib/relayers" && cp "$S0" "$R/var/lib/relayers/relayers.tdb"
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL timeout 300 make -s -C "$ROOT" \
		BUILD="$RELAYERS_BUILD" DESTDIR="$R" uninstall >"$T_TMP/uninstall.log" 2>&1
	t_expect "make uninstall succeeds once the PAM line is gone" 0 $?
	t_expect "make uninstall leaves only the store" ./var/lib/relayers/relayers.tdb \
		"$(cd "$R" && find . \( -type f -o -type l \) | sort | paste -sd' ')"
fi
R2=$T_TMP/root-usr
t_expect "PREFIX=/usr makes no bin/vsmtprelay link" no \
	"$([ -e "$R2/usr/bin/vsmtprelay" ] || [ -L "$R2/usr/bin/vsmtprelay" ] && echo yes || echo no)"
t_expect "PREFIX=/usr puts the units in systemd's own directory, unchanged" \
	"$(cd "$ROOT/examples/systemd" && cat *.service *.timer)" \
	"$(cd "$R2$(pkg-config --variable=systemdsystemunitdir systemd)" && cat *.service *.timer 2>&1)"

# --- examples/cron.d/relayers ----------------------------------------------

CRON=$ROOT/examples/cron.d/relayers
jobs=$(grep -vE '^[[:space:]]*(#|$)|^[A-Za-z_]+=' "$CRON")
t_expect "cron.d file holds one job" 1 "$(printf '%s\n' "$jobs" | grep -c .)"
read -r c_min c_hour c_dom c_mon c_dow c_user c_cmd <<<"$jobs"
t_expect "the job runs at 3:15 every night" "15 3 * * *" "$c_min $c_hour $c_dom $c_mon $c_dow"
t_expect "the job runs as root" root "$c_user"
t_expect "the job is the seed's command, unchanged" "vsmtprelay expire 1440" "$(flat "$c_cmd")"
t_expect_match "cron.d file name is one run-parts accepts" '^[A-Za-z0-9_-]+$' "$(basename "$CRON")"
t_expect "cron.d file ends with a newline" "" "$(tail -c 1 "$CRON")"
cron_path=$(sed -n 's/^PATH=//p' "$CRON")
t_expect_match "cron PATH holds the installed sbin" '(^|:)/usr/local/sbin(:|$)' "$cron_path"
t_expect_match "vsmtprelay.8 shows the same cron.d line" \
	"15 3 \* \* \* +root +vsmtprelay expire 1440" "$(plain "$VPAGE")"

# The job itself, in cron's bare environment, with the file's PATH
# re-rooted at a stand-in tree that holds vsmtprelay where make install
# puts it (checked above); -f is the only addition, to aim at a test store.
C=$T_TMP/cron-root
mkdir -p "$C/usr/local/sbin" && cp "$V" "$C/usr/local/sbin/vsmtprelay"
S=$T_TMP/cron.tdb
now=$(date +%s)
"$V" -f "$S" add 192.0.2.1 $((now - 1441 * 60))
"$V" -f "$S" add 192.0.2.2 $((now - 1439 * 60))
"$V" -f "$S" add 192.0.2.3 $((now + 3600))
dest_path=$(printf '%s\n' "$cron_path" | tr ':' '\n' | sed "s|^|$C|" | paste -sd:)
# cron hands the command line to $SHELL -c, as here.
timeout 30 env -i SHELL=/bin/sh HOME=/root PATH="$dest_path" \
	/bin/sh -c "${c_cmd%% *} -f '$S' ${c_cmd#* }"
t_expect "the cron job exits 0" 0 $?
t_expect "the cron job removes the day-old entry and keeps the rest" \
	"192.0.2.2 192.0.2.3" "$("$V" -f "$S" dump | cut -f1 | sort | paste -sd' ')"

t_done

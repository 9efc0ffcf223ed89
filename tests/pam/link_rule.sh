#!/bin/sh
# The login path links neither Berkeley DB nor socket-server, Redis or
# CLI code (the front ends' reporting, msg, and the store status to exit
# code mapping included: a module logs through pam_syslog and
# never exits): a login must not pay for, or break on, what only the admin
# tools and servers need.  The same rule run over mapgen, relayersd and
# vsmtprelay must fail, or it proves nothing about the module.
#   RELAYERS_BUILD   the build directory under test
set -u
build=${RELAYERS_BUILD:-build}

# Prints what in $1 breaks the rule; succeeds only when nothing does.
violations() {
	found=$(
		{ objdump -p "$1" | awk '$1 == "NEEDED" { print "needs " $2 }' |
			grep -E 'needs lib(db|hiredis)'
		  nm "$1" | awk '{ print $NF }' | sed 's/@.*//' |
			grep -E '^(db_create|db_env_create|socket|bind|listen|accept4?|redis[A-Za-z_]*|cmd_[a-z_]+|arg_[a-z_]+|listener[a-z_]*|rd_log[a-z_]*|msg_[a-z_]+|relay_status_exit_code)$'
		} | sort -u)
	[ -n "$found" ] && printf '%s: %s\n' "$1" "$found" | tr '\n' ' ' && echo
	[ -z "$found" ]
}

failed=0
if ! violations "$build/pam_relayers.so"; then
	echo "FAIL: pam_relayers.so links code the login path must not"
	failed=1
else
	echo "ok: pam_relayers.so links no Berkeley DB, socket-server, Redis, CLI, msg or exit-code code"
fi
for program in mapgen relayersd vsmtprelay; do
	if violations "$build/$program" >/dev/null; then
		echo "FAIL: the rule finds nothing in $program, so it cannot fail"
		failed=1
	else
		echo "ok: the rule catches $program"
	fi
done
exit $failed

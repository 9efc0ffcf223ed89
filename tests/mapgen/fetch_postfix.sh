#!/bin/sh
# fetch_postfix.sh DIR: unpacks Debian's postfix package into DIR/root,
# once.  Installing postfix would remove sendmail, so the suite runs
# postmap from the unpacked tree.  No network means no Postfix check:
# that is a failure, said loudly, never a silent skip.
set -eu
dir=$1
[ -f "$dir/.unpacked" ] && exit 0
mkdir -p "$dir"
cd "$dir"
rm -rf root ./*.deb
if ! timeout 300 apt-get download postfix >download.log 2>&1; then
	timeout 300 apt-get update >>download.log 2>&1 || true
	if ! timeout 300 apt-get download postfix >>download.log 2>&1; then
		echo "fetch_postfix: cannot download Debian's postfix package" >&2
		echo "(the mapgen suite checks its --postfix map with postmap):" >&2
		cat download.log >&2
		exit 1
	fi
fi
dpkg -x postfix_*.deb root
[ -x root/usr/sbin/postmap ] || { echo "fetch_postfix: no postmap in the package" >&2; exit 1; }
touch .unpacked

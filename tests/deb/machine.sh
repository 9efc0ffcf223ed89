# What tests/deb changes on this machine, recorded first and put back at
# the end: the two packages (an installed one is repacked from dpkg's
# database and reinstalled), every file they ship that was already there,
# the store's directory and the map.  Sourced by run.sh.
# One thing a repack cannot give back: dpkg then takes an edited conffile
# as the package's own (the file's content is put back all the same).

DEB_PACKAGES="libpam-relayers relayers-mta"
# Paths the packages' maintainer scripts (or their units) make or delete.
DEB_STATE_PATHS="/var/lib/relayers /var/lib/relayers-mapgen /etc/mail/relayers.db /etc/cron.d/relayers"

deb_apt() {
	DEBIAN_FRONTEND=noninteractive timeout 300 apt-get -q -y \
		-o DPkg::Lock::Timeout=240 --no-install-recommends "$@"
}

deb_installed() { # PKG: installed (or half so), config-files counts too
	[ -n "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null | grep -v '^not-installed$')" ]
}

# repack PKG OUT.deb: a .deb of what dpkg says PKG installed, maintainer
# scripts and conffiles included, so that it can be put back.
deb_repack() {
	local pkg=$1 out=$2 dir f
	dir=$(mktemp -d "$T_TMP/repack.XXXXXX")
	mkdir "$dir/DEBIAN"
	dpkg-query -W -f='Package: ${Package}\nVersion: ${Version}\nArchitecture: ${Architecture}\nMaintainer: ${Maintainer}\nDepends: ${Depends}\nSuggests: ${Suggests}\nSection: ${Section}\nPriority: ${Priority}\nDescription: ${Description}\n' \
		"$pkg" | grep -v '^[A-Za-z-]*: $' >"$dir/DEBIAN/control"
	for f in preinst postinst prerm postrm conffiles triggers; do
		[ ! -e "/var/lib/dpkg/info/$pkg.$f" ] || cp -p "/var/lib/dpkg/info/$pkg.$f" "$dir/DEBIAN/$f"
	done
	dpkg -L "$pkg" | while read -r f; do
		# A directory, or a symlink to one such as usrmerge's /lib: a
		# directory in the package, never a link to write through.
		[ -d "$f" ] && { mkdir -p "$dir$f"; continue; }
		[ -e "$f" ] || [ -L "$f" ] || continue
		mkdir -p "$dir$(dirname "$f")" && cp -a "$f" "$dir$f"
	done
	dpkg-deb -b "$dir" "$out" >/dev/null
}

# deb_record DEB...: before anything is installed.
deb_record() {
	local pkg paths
	DEB_SAVED_DEBS=""
	for pkg in $DEB_PACKAGES; do
		deb_installed "$pkg" || continue
		deb_repack "$pkg" "$T_TMP/saved-$pkg.deb"
		DEB_SAVED_DEBS="$DEB_SAVED_DEBS $T_TMP/saved-$pkg.deb"
	done
	# Every file the packages ship, and the state paths, that exist now.
	paths=$( { for deb in "$@"; do dpkg-deb --fsys-tarfile "$deb" | tar -t; done |
			sed -n 's|^\./|/|p' | grep -v '/$'; printf '%s\n' $DEB_STATE_PATHS; } |
		sort -u | while read -r p; do [ -e "$p" ] || [ -L "$p" ] && echo "$p"; done)
	DEB_SAVED_TAR=""
	if [ -n "$paths" ]; then
		printf '%s\n' "$paths" | tar -c -p -P -f "$T_TMP/saved-files.tar" -T - 2>/dev/null
		DEB_SAVED_TAR=$T_TMP/saved-files.tar
	fi
	DEB_HAD_ETC_MAIL=""
	[ ! -d /etc/mail ] || DEB_HAD_ETC_MAIL=1
	DEB_RECORDED=1
}

# deb_clean: our packages and what they left, gone.
deb_clean() {
	local pkg present=""
	for pkg in $DEB_PACKAGES; do
		! deb_installed "$pkg" || present="$present $pkg"
	done
	# shellcheck disable=SC2086
	[ -z "$present" ] || deb_apt purge $present >/dev/null 2>&1
	# shellcheck disable=SC2086
	rm -rf $DEB_STATE_PATHS
}

# deb_restore: at exit, the machine as deb_record found it.
deb_restore() {
	[ -n "${DEB_RECORDED:-}" ] || return 0
	deb_clean
	# shellcheck disable=SC2086
	[ -z "$DEB_SAVED_DEBS" ] || dpkg -i --force-confold $DEB_SAVED_DEBS >/dev/null
	[ -z "$DEB_SAVED_TAR" ] || tar -x -p -P -f "$DEB_SAVED_TAR"
	[ -n "$DEB_HAD_ETC_MAIL" ] || rmdir /etc/mail 2>/dev/null || true
	DEB_RECORDED=""
}

# Turns an admin's stack from examples/pam.d/ into a test service file for
# pam_wrapper.  The example is used as it stands; only what cannot run here
# is replaced:
#  - the common-* files it includes are replaced by the test's own lines:
#    pam_matrix stands in for pam_unix's password check, pam_permit for
#    pam_unix's account check (pam_matrix's account hook is unreliable, see
#    FIELD-NOTES) and for the session stack;
#  - every module gets an absolute path (pam_wrapper needs it);
#  - pam_relayers.so gets the test store, an exclude list and a timeout.
# Source it after tests/lib/harness.sh.

E2E_PAM_MODDIR=$(pkg-config --variable=libdir pam 2>/dev/null || echo /lib)/security
E2E_WRAPPER_MODDIR=$(pkg-config --variable=modules pam_wrapper 2>/dev/null)
[ -n "$E2E_WRAPPER_MODDIR" ] && [ -d "$E2E_WRAPPER_MODDIR" ] ||
	E2E_WRAPPER_MODDIR=$(dirname "$(find /usr/lib -name pam_matrix.so -path '*pam_wrapper*' 2>/dev/null | head -n 1)")

# pam_stack_write EXAMPLE DIR SERVICE PASSDB RELAYERS_ARGS [auth-too]
#   EXAMPLE        path of the admin's stack (examples/pam.d/NAME)
#   DIR            pam_wrapper service directory (created)
#   SERVICE        service name to write (dovecot, imap, pop)
#   PASSDB         pam_matrix file: user:password:service lines
#   RELAYERS_ARGS  arguments for pam_relayers.so (db=... exclude=...)
#   auth-too       also list the module under auth, as an admin might by
#                  mistake: it must still record no failed password.
pam_stack_write() {
	local example=$1 dir=$2 service=$3 passdb=$4 args=$5 auth_too=${6:-}
	mkdir -p "$dir"
	# Linux-PAM resolves "@include common-auth" in /etc/pam.d even under
	# pam_wrapper, so the includes are written out in place.
	awk -v moddir="$E2E_PAM_MODDIR" -v matrix="$E2E_WRAPPER_MODDIR/pam_matrix.so" \
	    -v passdb="$passdb" -v module="$RELAYERS_BUILD/pam_relayers.so" \
	    -v args="$args" -v auth_too="$auth_too" '
		/^[[:space:]]*#/ { print; next }
		/pam_relayers\.so/ {
			sub(/pam_relayers\.so.*/, module " " args)
			print; next
		}
		/^@include[[:space:]]+common-auth/ {
			print "auth required " matrix " passdb=" passdb
			if (auth_too != "")
				print "auth optional " module " " args
			next
		}
		/^@include[[:space:]]+common-account/ {
			print "account required " moddir "/pam_permit.so"; next
		}
		/^@include[[:space:]]+common-session/ {
			print "session required " moddir "/pam_permit.so"; next
		}
		/^@include/ { print "unexpected include: " $0 > "/dev/stderr"; exit 1 }
		{ sub(/[[:space:]]pam_/, " " moddir "/pam_"); print }
	' "$example" > "$dir/$service" || return 1
	printf 'auth required %s/pam_deny.so\naccount required %s/pam_deny.so\n' \
		"$E2E_PAM_MODDIR" "$E2E_PAM_MODDIR" > "$dir/other"
}

# pam_wrapper_sweep MARKER: removes the /tmp/pam.X copies that processes
# of ours left behind.  Each process under pam_wrapper copies its service
# directory there and removes the copy when it exits, unless it changed
# its user first: Dovecot's login and mail processes and c-client's
# setuid() after a login cannot.  Only copies whose process is gone and
# whose stack names MARKER (a directory of this run) are touched.
pam_wrapper_sweep() {
	local marker=$1 copy pid
	for copy in /tmp/pam.?; do
		[ -f "$copy/pid" ] || continue
		pid=$(cat "$copy/pid" 2>/dev/null)
		[ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null || continue
		grep -qsF -- "$marker" "$copy"/* && rm -rf -- "$copy"
	done
	return 0
}

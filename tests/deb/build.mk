# The Debian packages, as an admin meets them: built from a clean copy of
# the tree, linted, installed on this machine with apt-get, a real login
# through the installed module, remove, purge, and an upgrade that keeps
# the store.  Whatever the machine had (the packages, /var/lib/relayers,
# any file they ship) is put back at the end.  Not run sanitized: it tests
# the packaging, and the package is built with Debian's flags.  The
# tree's own vsmtprelay reads the store once the package is removed.
CHECKS += check-deb

.PHONY: check-deb
check-deb: $(VSMTPRELAY)
	@scripts/ensure-deps build deb check
	RELAYERS_BUILD=$(BUILD) timeout 900 tests/deb/run.sh

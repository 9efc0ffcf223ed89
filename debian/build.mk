# make deb: the Debian packages (libpam-relayers, relayers-mta), built by
# dpkg-buildpackage from a clean copy of the tree, into $(BUILD)/deb/.
# It first installs the build subset of deps/debian-packages and the
# packaging tools (tag "deb"), as root, from the one list.
DEB_DIR := $(BUILD)/deb

.PHONY: deb
deb:
	@scripts/ensure-deps build deb
	scripts/build-deb $(DEB_DIR)

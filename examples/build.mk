# The systemd units.  Every examples/systemd/*.service, *.socket and
# *.timer is installed, so a new part's units need no change here.  The
# files name the packaged paths (/usr/sbin); make install rewrites them
# for its own SBINDIR, so a PREFIX=/usr/local unit runs /usr/local/sbin.
# UNITDIR: systemd's own directory for PREFIX=/usr (/lib/systemd/system on
# Debian 12, from pkg-config), $(PREFIX)/lib/systemd/system otherwise,
# which systemd also searches.
UNITS := $(wildcard examples/systemd/*.service examples/systemd/*.socket \
	examples/systemd/*.timer)
UNITDIR ?= $(if $(filter /usr,$(PREFIX)),$(shell pkg-config \
	--variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system),$(PREFIX)/lib/systemd/system)
INSTALLS += install-units

.PHONY: install-units
install-units:
	install -d $(DESTDIR)$(UNITDIR)
	for unit in $(UNITS); do \
		sed 's|/usr/sbin/|$(SBINDIR)/|g' $$unit > $(DESTDIR)$(UNITDIR)/$${unit##*/} && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$${unit##*/} || exit 1; \
	done

# vsmtprelay, the admin's command line.
VSMTPRELAY := $(BUILD)/vsmtprelay
VSMTPRELAY_OBJS := $(call objects_of,$(wildcard vsmtprelay/*.c))
PROGRAMS += $(VSMTPRELAY)
INSTALLS += install-vsmtprelay
# Existing crontabs run /usr/local/bin/vsmtprelay (the usual cron line:
# vsmtprelay expire 1440 from /usr/local/bin): a symlink there keeps them working.  Not for PREFIX=/usr (the package).
VSMTPRELAY_COMPAT_BINDIR ?= $(if $(filter /usr,$(PREFIX)),,$(PREFIX)/bin)

$(VSMTPRELAY): $(VSMTPRELAY_OBJS) $(CORE_LIB)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -pie -o $@ $(VSMTPRELAY_OBJS) \
		$(CORE_LIB) $(TDB_LIBS)

.PHONY: install-vsmtprelay
install-vsmtprelay: $(VSMTPRELAY)
	install -d $(DESTDIR)$(SBINDIR)
	install -m 0755 $(VSMTPRELAY) $(DESTDIR)$(SBINDIR)/vsmtprelay
	$(if $(VSMTPRELAY_COMPAT_BINDIR),install -d $(DESTDIR)$(VSMTPRELAY_COMPAT_BINDIR) && \
		ln -sf $(SBINDIR)/vsmtprelay $(DESTDIR)$(VSMTPRELAY_COMPAT_BINDIR)/vsmtprelay)

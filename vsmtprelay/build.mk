# vsmtprelay, the admin's command line.
VSMTPRELAY := $(BUILD)/vsmtprelay
VSMTPRELAY_OBJS := $(call objects_of,$(wildcard vsmtprelay/*.c))
PROGRAMS += $(VSMTPRELAY)
INSTALLS += install-vsmtprelay

$(VSMTPRELAY): $(VSMTPRELAY_OBJS) $(CORE_LIB)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -pie -o $@ $(VSMTPRELAY_OBJS) \
		$(CORE_LIB) $(TDB_LIBS)

.PHONY: install-vsmtprelay
install-vsmtprelay: $(VSMTPRELAY)
	install -d $(DESTDIR)$(SBINDIR)
	install -m 0755 $(VSMTPRELAY) $(DESTDIR)$(SBINDIR)/vsmtprelay

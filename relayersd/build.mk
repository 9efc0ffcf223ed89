# relayersd, the socketmap server: sendmail's socket map and Postfix's
# socketmap: table ask it about a client at lookup time.  It links the
# shared core and nothing of the other front ends.
RELAYERSD := $(BUILD)/relayersd
RELAYERSD_OBJS := $(call objects_of,$(wildcard relayersd/*.c))
PROGRAMS += $(RELAYERSD)
INSTALLS += install-relayersd

$(RELAYERSD): $(RELAYERSD_OBJS) $(CORE_LIB)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -pie -o $@ $(RELAYERSD_OBJS) \
		$(CORE_LIB) $(TDB_LIBS) -lhiredis

.PHONY: install-relayersd
# docs/build.mk installs every docs/*.8, relayersd.8 included.
install-relayersd: $(RELAYERSD)
	install -d $(DESTDIR)$(SBINDIR)
	install -m 0755 $(RELAYERSD) $(DESTDIR)$(SBINDIR)/relayersd

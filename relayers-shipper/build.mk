# relayers-shipper: on each POP/IMAP host, follows the relay store and
# writes its changes to Redis for relayersd --redis on the MTAs
# (docs/scaling.md).  A part of its own, not a mode of mapgen: it links
# hiredis and no Berkeley DB, and the login-side package ships it.
SHIPPER := $(BUILD)/relayers-shipper
SHIPPER_OBJS := $(call objects_of,$(wildcard relayers-shipper/*.c))
REDIS_LIBS := -lhiredis
PROGRAMS += $(SHIPPER)
INSTALLS += install-shipper

$(SHIPPER): $(SHIPPER_OBJS) $(CORE_LIB)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -pie -o $@ $(SHIPPER_OBJS) \
		$(CORE_LIB) $(TDB_LIBS) $(REDIS_LIBS)

.PHONY: install-shipper
# docs/build.mk installs every docs/*.8, relayers-shipper.8 included.
install-shipper: $(SHIPPER)
	install -d $(DESTDIR)$(SBINDIR)
	install -m 0755 $(SHIPPER) $(DESTDIR)$(SBINDIR)/relayers-shipper

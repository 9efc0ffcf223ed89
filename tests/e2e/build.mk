# End to end: real Dovecot and UW-IMAP (c-client) logins through
# pam_relayers.so, the store, mapgen --watch and sendmail's relay verdict.
# Not in SANITIZED_CHECKS: the servers load the module, not our binaries.
E2E_DIR := $(BUILD)/tests/e2e
E2E_UW_SERVER := $(E2E_DIR)/uw_server
E2E_UW_OBJS := $(call objects_of,$(wildcard tests/e2e/uw_*.c))
E2E_HOLD_LOCK := $(E2E_DIR)/hold_lock
E2E_HOLD_LOCK_OBJS := $(call objects_of,tests/e2e/hold_lock.c)
E2E_HELPERS := $(E2E_UW_SERVER) $(E2E_HOLD_LOCK)
E2E_NEEDS := $(PAM_MODULE) $(VSMTPRELAY) $(MAPGEN) $(RELAYERSD) $(E2E_HELPERS)
CHECKS += check-e2e

# c-client's headers are old K&R-style C: -isystem keeps their warnings
# out of ours.
$(E2E_UW_OBJS): ALL_CPPFLAGS += -isystem /usr/include/c-client

$(E2E_UW_SERVER): $(E2E_UW_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -pie -o $@ $(E2E_UW_OBJS) -lc-client

$(E2E_HOLD_LOCK): $(E2E_HOLD_LOCK_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -pie -o $@ $(E2E_HOLD_LOCK_OBJS) \
		$(TDB_LIBS)

.PHONY: check-e2e e2e-helpers
e2e-helpers: $(E2E_HELPERS)

check-e2e: $(E2E_NEEDS)
	RELAYERS_BUILD=$(BUILD) timeout 900 tests/e2e/run.sh

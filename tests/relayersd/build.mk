# relayersd's suite: Postfix's own socketmap client (postmap, from the
# package tests/mapgen/fetch_postfix.sh unpacks), a protocol driver that
# attacks the server, store faults, signals, sockets and the privilege
# drop; again sanitized, and with the server under valgrind.
CHECKS += check-relayersd check-relayersd-valgrind
SANITIZED_CHECKS += check-relayersd

RELAYERSD_UNIT := $(BUILD)/tests/relayersd/test_request
RELAYERSD_SUITE_DEPS := $(RELAYERSD) $(VSMTPRELAY) $(LOCK_HOLDER) \
	$(RELAYERSD_UNIT) $(MAPGEN_POSTFIX)/.unpacked

$(call objects_of,tests/relayersd/test_request.c): ALL_CPPFLAGS += -Irelayersd $(CMOCKA_CFLAGS)

$(RELAYERSD_UNIT): $(call objects_of,tests/relayersd/test_request.c relayersd/request.c)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)

.PHONY: check-relayersd check-relayersd-valgrind
check-relayersd: $(RELAYERSD_SUITE_DEPS)
	RELAYERS_BUILD=$(BUILD) POSTFIX_ROOT=$(CURDIR)/$(MAPGEN_POSTFIX)/root \
	T_SUITE_NAME=relayersd$(if $(filter 1,$(SANITIZE)),-sanitized) \
	timeout 300 tests/relayersd/run.sh

check-relayersd-valgrind: $(RELAYERSD_SUITE_DEPS)
	rm -rf $(BUILD)/relayersd-valgrind && mkdir -p $(BUILD)/relayersd-valgrind
	RELAYERS_BUILD=$(BUILD) POSTFIX_ROOT=$(CURDIR)/$(MAPGEN_POSTFIX)/root \
	T_SUITE_NAME=relayersd-valgrind RELAYERSD_START_LIMIT=30 \
	RELAYERSD_VALGRIND_DIR=$(CURDIR)/$(BUILD)/relayersd-valgrind \
	RELAYERSD_RUNNER="valgrind -q --vgdb=no --error-exitcode=99 --leak-check=full \
		--log-file=$(CURDIR)/$(BUILD)/relayersd-valgrind/%p.log" \
	timeout 600 tests/relayersd/run.sh

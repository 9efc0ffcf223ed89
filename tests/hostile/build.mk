# Hostile input: PAM_RHOST values and log safety (C, through the real
# module), store files, vsmtprelay arguments, full disk, read-only dirs.
HOSTILE_TESTS := $(BUILD)/tests/hostile-rhost $(BUILD)/tests/hostile-log

$(OBJ)/tests/hostile/rhost_table.o $(OBJ)/tests/hostile/log_safety.o: \
	ALL_CPPFLAGS += -Itests/lib

$(BUILD)/tests/hostile-rhost: $(OBJ)/tests/hostile/rhost_table.o
$(BUILD)/tests/hostile-log: $(OBJ)/tests/hostile/log_safety.o
$(HOSTILE_TESTS): $(OBJ)/tests/lib/pam_login.o $(OBJ)/tests/lib/store_probe.o $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) \
		$(TDB_LIBS) $(PAM_LIBS) -lcmocka

.PHONY: check-hostile
CHECKS += check-hostile
SANITIZED_CHECKS += check-hostile
check-hostile: $(HOSTILE_TESTS) $(BUILD)/tests/pam-logins $(PAM_MODULE) $(VSMTPRELAY) $(MAPGEN)
	RELAYERS_BUILD=$(BUILD) timeout 600 tests/hostile/hostile.sh

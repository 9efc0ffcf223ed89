# Load: eight processes log in at once through the real module while
# vsmtprelay expire and mapgen --watch run beside them.
# pam-logins and its helper are shared with the crash, lock and hostile
# suites, which name them by path.
PAM_LOGIN_LIB_OBJS := $(call objects_of,tests/lib/pam_login.c tests/lib/store_probe.c)
PAM_LOGINS := $(BUILD)/tests/pam-logins

$(OBJ)/tests/lib/pam_login.o $(OBJ)/tests/load/pam_logins.o: \
	ALL_CPPFLAGS += -Itests/lib

$(PAM_LOGINS): $(OBJ)/tests/load/pam_logins.o $(PAM_LOGIN_LIB_OBJS) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(TDB_LIBS) $(PAM_LIBS)

# LOAD_LOGINS is per process; make soak runs the full count.
LOAD_LOGINS ?= $(if $(filter 1,$(SANITIZE)),100,250)
LOAD_SOAK_LOGINS ?= 4000

.PHONY: check-load soak-load
CHECKS += check-load
SANITIZED_CHECKS += check-load
check-load: $(PAM_LOGINS) $(PAM_MODULE) $(VSMTPRELAY) $(MAPGEN)
	RELAYERS_BUILD=$(BUILD) LOAD_LOGINS=$(LOAD_LOGINS) tests/load/load.sh

soak-load: $(PAM_LOGINS) $(PAM_MODULE) $(VSMTPRELAY) $(MAPGEN)
	RELAYERS_BUILD=$(BUILD) LOAD_LOGINS=$(LOAD_SOAK_LOGINS) tests/load/load.sh

# store-tool: test-only store edits (age an account, put an owner),
# shared like pam-logins by the pam, cli and e2e suites.
STORE_TOOL := $(BUILD)/tests/store-tool
$(STORE_TOOL): $(OBJ)/tests/lib/store_tool.o $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(TDB_LIBS)

# Whatever reads a store through store_probe.c runs store-tool.
$(PAM_LOGINS) $(BUILD)/tests/pam/test_pam_login $(BUILD)/tests/pam/test_guard \
	$(BUILD)/tests/hostile-rhost $(BUILD)/tests/hostile-log: | $(STORE_TOOL)

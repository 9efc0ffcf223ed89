# PAM-level tests: real libpam, real module, pam_wrapper + libpamtest.
PAM_TEST := $(BUILD)/tests/pam/test_pam_login
CHECKS += check-pam check-pam-valgrind
SANITIZED_CHECKS += check-pam

$(PAM_TEST): $(call objects_of,tests/pam/test_pam_login.c tests/lib/store_probe.c) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(TDB_LIBS) \
		$(shell pkg-config --libs libpamtest cmocka)

.PHONY: check-pam check-pam-valgrind
check-pam: $(PAM_TEST) $(PAM_MODULE) $(VSMTPRELAY)
	RELAYERS_BUILD=$(BUILD) T_SUITE_NAME=pam$(if $(filter 1,$(SANITIZE)),-sanitized) \
	ASAN_RUNTIME=$(if $(filter 1,$(SANITIZE)),$(shell $(CC) -print-file-name=libasan.so)) \
	tests/pam/run.sh

# memcheck over the same logins: the module must neither leak nor touch
# memory it does not own, in a process it does not own.
check-pam-valgrind: $(PAM_TEST) $(PAM_MODULE) $(VSMTPRELAY)
	RELAYERS_BUILD=$(BUILD) T_SUITE_NAME=pam-valgrind \
	PAM_TEST_RUNNER="valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --trace-children=no" \
	tests/pam/run.sh

# The guard and owner records, through pam_start_confdir with syslog
# read from a private /dev/log (no pam_wrapper, which swallows it).
GUARD_TEST := $(BUILD)/tests/pam/test_guard
$(GUARD_TEST): $(call objects_of,tests/pam/test_guard.c tests/lib/store_probe.c) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(TDB_LIBS) $(PAM_LIBS) -lcmocka
check-pam check-pam-valgrind: $(GUARD_TEST) $(STORE_TOOL) $(PAM_LOGINS)

# The login path links no Berkeley DB, socket-server, Redis or CLI code.
CHECKS += check-link-rule
.PHONY: check-link-rule
check-link-rule: $(PAM_MODULE) $(MAPGEN) $(RELAYERSD) $(VSMTPRELAY)
	RELAYERS_BUILD=$(BUILD) tests/pam/link_rule.sh
$(OBJ)/tests/pam/test_pam_login.o $(OBJ)/tests/pam/test_guard.o: ALL_CPPFLAGS += -Itests/lib

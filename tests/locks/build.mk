# Stuck locks: a process that holds the store (whole-file lock, open
# transaction, tdb's open lock, a stopped writer) must not hold logins
# back past the module's timeout, and vsmtprelay must say "store busy"
# (exit 75) after its bounded wait instead of hanging.
LOCK_HOLDER := $(BUILD)/tests/lock-holder

$(LOCK_HOLDER): $(OBJ)/tests/locks/lock_holder.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(TDB_LIBS)

.PHONY: check-locks
CHECKS += check-locks
SANITIZED_CHECKS += check-locks
check-locks: $(LOCK_HOLDER) $(BUILD)/tests/pam-logins $(PAM_MODULE) $(VSMTPRELAY) $(MAPGEN)
	RELAYERS_BUILD=$(BUILD) timeout 600 tests/locks/locks.sh

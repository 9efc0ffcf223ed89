# Damage: a store of a few thousand entries damaged at random (header,
# hash table, records, free list, truncation, a zeroed page), then a
# login, dump, mapgen and check --repair; and a repair under load.
DAMAGE_LAYOUT := $(BUILD)/tests/damage-layout

$(DAMAGE_LAYOUT): $(call objects_of,tests/damage/store_layout.c) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(TDB_LIBS)

DAMAGE_LOG := $(BUILD)/tests/damage-log
$(OBJ)/tests/damage/log_once.o: ALL_CPPFLAGS += -Itests/lib
$(DAMAGE_LOG): $(OBJ)/tests/damage/log_once.o $(OBJ)/tests/lib/pam_login.o $(OBJ)/tests/lib/store_probe.o $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(TDB_LIBS) $(PAM_LIBS)

DAMAGE_WRAPPER_LOG := $(BUILD)/tests/damage-wrapper-log
$(DAMAGE_WRAPPER_LOG): $(OBJ)/tests/damage/wrapper_log.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ \
		$(shell pkg-config --libs libpamtest)

# Cases per kind of damage; make soak runs the long form.
DAMAGE_CASES ?= $(if $(filter 1,$(SANITIZE)),5,10)
DAMAGE_SOAK_CASES ?= 150
DAMAGE_DEPS := $(DAMAGE_LAYOUT) $(DAMAGE_LOG) $(DAMAGE_WRAPPER_LOG) $(BUILD)/tests/pam-logins $(BUILD)/tests/mapgen-fill \
	$(PAM_MODULE) $(VSMTPRELAY) $(MAPGEN)

.PHONY: check-damage soak-damage
CHECKS += check-damage
SANITIZED_CHECKS += check-damage
# An ASan build's runtime must be preloaded before pam_wrapper.
DAMAGE_ASAN := $(if $(filter 1,$(SANITIZE)),$(shell $(CC) -print-file-name=libasan.so))
check-damage: $(DAMAGE_DEPS)
	RELAYERS_BUILD=$(BUILD) DAMAGE_CASES=$(DAMAGE_CASES) ASAN_RUNTIME=$(DAMAGE_ASAN) \
		timeout 600 tests/damage/run.sh
	RELAYERS_BUILD=$(BUILD) timeout 600 tests/damage/load.sh

soak-damage: $(DAMAGE_DEPS)
	RELAYERS_BUILD=$(BUILD) DAMAGE_CASES=$(DAMAGE_SOAK_CASES) ASAN_RUNTIME=$(DAMAGE_ASAN) \
		timeout 3600 tests/damage/run.sh
	RELAYERS_BUILD=$(BUILD) DAMAGE_LOAD_LOGINS=3000 DAMAGE_ROUNDS=25 \
		DAMAGE_PAUSE=0.05 timeout 1800 tests/damage/load.sh

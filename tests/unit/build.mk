# cmocka unit tests of the core and of the module's option parser: one
# program per source area, each run on its own so a failure names it.
UNIT_NAMES := addr cidr stamp escape options store store_kept lock_timer owner salvage redis_link
UNIT_PROGRAMS := $(patsubst %,$(BUILD)/tests/unit/test_%,$(UNIT_NAMES))
UNIT_OBJS := $(call objects_of,$(patsubst %,tests/unit/test_%.c,$(UNIT_NAMES)))
UNIT_OPTION_OBJS := $(call objects_of,pam_relayers/options.c)
CMOCKA_CFLAGS := $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

# Valgrind runs the same programs; its slower clock stretches the
# timing bounds of the lock tests by this factor.
UNIT_VALGRIND := valgrind -q --error-exitcode=1 --leak-check=full \
	--errors-for-leak-kinds=definite,indirect --child-silent-after-fork=yes

CHECKS += check-unit check-unit-valgrind
SANITIZED_CHECKS += check-unit
.PHONY: check-unit check-unit-valgrind unit-programs

$(UNIT_OBJS): ALL_CPPFLAGS += -Ipam_relayers $(CMOCKA_CFLAGS)

$(BUILD)/tests/unit/test_%: $(OBJ)/tests/unit/test_%.o $(UNIT_OPTION_OBJS) \
		$(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(UNIT_OPTION_OBJS) \
		$(CORE_LIB) $(TDB_LIBS) $(CMOCKA_LIBS)

# redis_link's test alone needs hiredis.
$(BUILD)/tests/unit/test_redis_link: $(OBJ)/tests/unit/test_redis_link.o $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(CORE_LIB) $(TDB_LIBS) \
		$(CMOCKA_LIBS) -lhiredis

unit-programs: $(UNIT_PROGRAMS)

# Every program runs, even after one fails; the target fails if any did.
check-unit: $(UNIT_PROGRAMS)
	@failed=""; for p in $(UNIT_PROGRAMS); do \
		RELAYERS_BUILD=$(BUILD) timeout 300 $$p || failed="$$failed $${p##*/}"; \
	done; \
	if [ -n "$$failed" ]; then echo "unit: FAILED:$$failed"; exit 1; fi

check-unit-valgrind: $(UNIT_PROGRAMS)
	@failed=""; for p in $(UNIT_PROGRAMS); do \
		RELAYERS_BUILD=$(BUILD) UNIT_TIME_SCALE=10 timeout 900 \
			$(UNIT_VALGRIND) $$p || failed="$$failed $${p##*/}"; \
	done; \
	if [ -n "$$failed" ]; then echo "unit (valgrind): FAILED:$$failed"; exit 1; fi

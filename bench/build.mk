# make bench: figures for the login path and the exporters, printed side
# by side in one run.  Never pass/fail on speed and never part of the
# check suites; `make check` only builds the programs (check-bench-builds)
# so that they keep compiling.
BENCH_DIR := $(BUILD)/bench
BENCH_LOGIN := $(BENCH_DIR)/login_bench
BENCH_FILL := $(BENCH_DIR)/store_fill
BENCH_SOCKETMAP := $(BENCH_DIR)/socketmap_bench
BENCH_PROGRAMS := $(BENCH_LOGIN) $(BENCH_FILL) $(BENCH_SOCKETMAP)

BENCH_LOGIN_OBJS := $(call objects_of,bench/login_bench.c bench/pam_login.c \
	bench/tdb_floor.c bench/samples.c bench/addresses.c)
BENCH_FILL_OBJS := $(call objects_of,bench/store_fill.c bench/addresses.c)
BENCH_SOCKETMAP_OBJS := $(call objects_of,bench/socketmap_bench.c \
	bench/samples.c bench/addresses.c)

BENCHES += bench-run
CHECKS += check-bench-builds

$(BENCH_LOGIN): $(BENCH_LOGIN_OBJS) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(BENCH_LOGIN_OBJS) \
		$(CORE_LIB) $(TDB_LIBS) $(PAM_LIBS)

$(BENCH_FILL): $(BENCH_FILL_OBJS) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(BENCH_FILL_OBJS) \
		$(CORE_LIB) $(TDB_LIBS)

# Berkeley DB only for the floor a map lookup costs; relayersd never links it.
$(BENCH_SOCKETMAP): $(BENCH_SOCKETMAP_OBJS) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(BENCH_SOCKETMAP_OBJS) \
		$(CORE_LIB) -ldb-5.3 -lpthread

.PHONY: bench-run check-bench-builds
check-bench-builds: $(BENCH_PROGRAMS)
	@echo "bench: programs built (figures come from make bench)"

bench-run: $(BENCH_PROGRAMS) $(PAM_MODULE) $(VSMTPRELAY) $(MAPGEN) $(RELAYERSD)
	RELAYERS_BUILD=$(BUILD) bench/run.sh

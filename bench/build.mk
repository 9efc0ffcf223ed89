# make bench: figures for the login path and the exporters, printed side
# by side in one run.  Never pass/fail on speed and never part of the
# check suites; `make check` only builds the programs (check-bench-builds)
# so that they keep compiling.
BENCH_DIR := $(BUILD)/bench
BENCH_LOGIN := $(BENCH_DIR)/login_bench
BENCH_FILL := $(BENCH_DIR)/store_fill
BENCH_MAPGEN_LAG := $(BENCH_DIR)/mapgen_lag
BENCH_PROGRAMS := $(BENCH_LOGIN) $(BENCH_FILL) $(BENCH_MAPGEN_LAG)
# relayersd's lookups through its socket.
BENCH_RELAYERSD := $(BENCH_DIR)/relayersd_bench
BENCH_BDB := $(BENCH_DIR)/bdb_lookup
BENCH_PROGRAMS += $(BENCH_RELAYERSD) $(BENCH_BDB)

BENCH_LOGIN_OBJS := $(call objects_of,bench/login_bench.c bench/pam_login.c \
	bench/tdb_floor.c bench/samples.c bench/addresses.c)
BENCH_FILL_OBJS := $(call objects_of,bench/store_fill.c bench/addresses.c)
BENCH_MAPGEN_LAG_OBJS := $(call objects_of,bench/mapgen_lag.c bench/samples.c \
	bench/addresses.c)

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

$(BENCH_RELAYERSD): $(call objects_of,bench/relayersd_bench.c bench/samples.c \
		bench/addresses.c) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(TDB_LIBS)

# The floor beside it: the exported map, read as sendmail reads it.
$(BENCH_BDB): $(call objects_of,bench/bdb_lookup.c bench/samples.c \
		bench/addresses.c) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(TDB_LIBS) -ldb-5.3

# mapgen --watch under logins: reads the map with Berkeley DB as sendmail does.
$(BENCH_MAPGEN_LAG): $(BENCH_MAPGEN_LAG_OBJS) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(BENCH_MAPGEN_LAG_OBJS) \
		$(CORE_LIB) $(TDB_LIBS) -ldb-5.3

.PHONY: bench-run check-bench-builds
check-bench-builds: $(BENCH_PROGRAMS)
	@echo "bench: programs built (figures come from make bench)"

# The front ends by path: their build.mk files are read after this one.
bench-run: $(BENCH_PROGRAMS) $(BUILD)/pam_relayers.so $(BUILD)/vsmtprelay $(BUILD)/relayersd \
		$(BUILD)/mapgen $(BUILD)/relayers-shipper
	RELAYERS_BUILD=$(BUILD) bench/run.sh

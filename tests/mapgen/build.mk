# mapgen's suite: map content against makemap's dump and postmap,
# atomic replacement under every failure, and --watch.  Postfix is
# unpacked from Debian's package (installing it would remove sendmail)
# into build/postfix once per tree, shared by the plain and sanitized
# runs.
MAPGEN_FILL := $(BUILD)/tests/mapgen-fill
MAPGEN_POSTFIX := build/postfix

CHECKS += check-mapgen
SANITIZED_CHECKS += check-mapgen

$(MAPGEN_FILL): $(call objects_of,tests/mapgen/fill_store.c) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(TDB_LIBS)

$(MAPGEN_POSTFIX)/.unpacked:
	tests/mapgen/fetch_postfix.sh $(MAPGEN_POSTFIX)

.PHONY: check-mapgen
check-mapgen: $(MAPGEN) $(VSMTPRELAY) $(MAPGEN_FILL) $(BUILD)/tests/lock-holder \
		$(MAPGEN_POSTFIX)/.unpacked
	RELAYERS_BUILD=$(BUILD) POSTFIX_ROOT=$(CURDIR)/$(MAPGEN_POSTFIX)/root \
	T_SUITE_NAME=mapgen$(if $(filter 1,$(SANITIZE)),-sanitized) \
	timeout 600 tests/mapgen/run.sh

# The manuals: lint, rendering, agreement with the code they describe,
# installation, and the cron example.  Not run sanitized: it reads
# programs' help output and tests no code paths of its own.
CHECKS += check-docs

.PHONY: check-docs
check-docs: $(VSMTPRELAY) $(PAM_MODULE) $(RELAYERSD)
	RELAYERS_BUILD=$(BUILD) tests/docs/run.sh

# The module's option parser, run by the suite on every option the page
# gives and on every word of the module that might be one.
MODULE_OPTION_PROBE := $(BUILD)/tests/docs/module_option_probe
$(call objects_of,tests/docs/module_option_probe.c): ALL_CPPFLAGS += -Ipam_relayers
$(MODULE_OPTION_PROBE): $(call objects_of,tests/docs/module_option_probe.c pam_relayers/options.c) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(TDB_LIBS)
check-docs: $(MODULE_OPTION_PROBE)

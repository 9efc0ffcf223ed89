# The manuals: lint, rendering, agreement with the code they describe,
# installation, and the cron example.  Not run sanitized: it reads
# programs' help output and tests no code paths of its own.
CHECKS += check-docs

.PHONY: check-docs
check-docs: $(VSMTPRELAY) $(PAM_MODULE) $(RELAYERSD)
	RELAYERS_BUILD=$(BUILD) tests/docs/run.sh

# vsmtprelay's commands and error paths.
CHECKS += check-cli
SANITIZED_CHECKS += check-cli

.PHONY: check-cli
check-cli: $(VSMTPRELAY)
	RELAYERS_BUILD=$(BUILD) T_SUITE_NAME=cli$(if $(filter 1,$(SANITIZE)),-sanitized) \
	tests/cli/run.sh

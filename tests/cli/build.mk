# vsmtprelay's commands and error paths.
CHECKS += check-cli
SANITIZED_CHECKS += check-cli

.PHONY: check-cli
# store-tool and pam-logins are built by tests/load/build.mk, read after this file.
check-cli: $(VSMTPRELAY) $(BUILD)/tests/store-tool $(BUILD)/tests/pam-logins $(PAM_MODULE) $(MAPGEN)
	RELAYERS_BUILD=$(BUILD) T_SUITE_NAME=cli$(if $(filter 1,$(SANITIZE)),-sanitized) \
	tests/cli/run.sh

# Crashes: writers SIGKILLed at random points; make check runs a short
# pass, make soak the full one (at least 500 kills).
# The sanitized pass repeats the suite; half the kills keep it short.
CRASH_KILLS ?= $(if $(filter 1,$(SANITIZE)),30,60)
CRASH_SOAK_KILLS ?= 500

.PHONY: check-crash soak-crash
CHECKS += check-crash
SANITIZED_CHECKS += check-crash
check-crash: $(BUILD)/tests/pam-logins $(PAM_MODULE) $(VSMTPRELAY) $(MAPGEN)
	RELAYERS_BUILD=$(BUILD) CRASH_KILLS=$(CRASH_KILLS) timeout 900 tests/crash/crash.sh

soak-crash: $(BUILD)/tests/pam-logins $(PAM_MODULE) $(VSMTPRELAY) $(MAPGEN)
	RELAYERS_BUILD=$(BUILD) CRASH_KILLS=$(CRASH_SOAK_KILLS) timeout 3600 tests/crash/crash.sh

# make soak: the long runs, never part of make check.  The top-level
# Makefile leaves this target to us.
.PHONY: soak
soak: all
	$(MAKE) soak-crash soak-load soak-damage soak-redis
	@echo "soak: every long run passed"

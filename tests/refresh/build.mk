# vsmtprelay refresh: the sessions Dovecot's anvil lists keep their relay.
# run.sh logs in to a real Dovecot on loopback (its module is loaded by
# Dovecot, so it is not run sanitized); mock.sh drives the error paths and
# 1,000 sessions through a mock anvil socket, sanitized too.
CHECKS += check-refresh
SANITIZED_CHECKS += check-refresh-mock

.PHONY: check-refresh check-refresh-mock
check-refresh: check-refresh-mock $(PAM_MODULE) $(VSMTPRELAY) $(MAPGEN) $(E2E_HOLD_LOCK)
	RELAYERS_BUILD=$(BUILD) timeout 300 tests/refresh/run.sh

check-refresh-mock: $(VSMTPRELAY) $(LOCK_HOLDER)
	RELAYERS_BUILD=$(BUILD) SANITIZE=$(SANITIZE) \
	T_SUITE_NAME=refresh-mock$(if $(filter 1,$(SANITIZE)),-sanitized) \
	timeout 300 tests/refresh/mock.sh

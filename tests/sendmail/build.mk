# sendmail integration: the example .mc and relayers.m4 built with Debian's
# sendmail-cf, verdicts under sendmail -bt, and a real sendmail daemon on
# 127.0.0.1 reading the map mapgen exports (run.sh), or asking relayersd
# over its socket (socketmap.sh).  Not in SANITIZED_CHECKS: the C
# programs it runs are checked there by their own suites, and sendmail is
# Debian's.
CHECKS += check-sendmail

.PHONY: check-sendmail
check-sendmail: $(VSMTPRELAY) $(MAPGEN) $(RELAYERSD) $(PAM_MODULE) \
		$(BUILD)/tests/pam-logins
	RELAYERS_BUILD=$(BUILD) timeout 300 tests/sendmail/run.sh
	RELAYERS_BUILD=$(BUILD) timeout 300 tests/sendmail/socketmap.sh

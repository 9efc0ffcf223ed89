# The shared relay view through Redis on one machine: three stores and
# three shippers, a Redis primary, a replica and a Sentinel on loopback
# ports with ACL users, two relayersd (one direct, one through the
# Sentinel) asked by Postfix's own postmap; failover, outages, a wrong
# password and a server answering garbage.  Again sanitized.  Then
# tests/redis/tls.sh: a TLS-only Redis reached through stunnel client
# tunnels (hiredis 0.14 has no TLS), one trusting its CA, one not.
CHECKS += check-redis
SANITIZED_CHECKS += check-redis

.PHONY: check-redis soak-redis
check-redis: $(RELAYERSD) $(SHIPPER) $(VSMTPRELAY) $(BUILD)/tests/store-tool \
		$(MAPGEN_POSTFIX)/.unpacked
	RELAYERS_BUILD=$(BUILD) POSTFIX_ROOT=$(CURDIR)/$(MAPGEN_POSTFIX)/root \
	T_SUITE_NAME=redis$(if $(filter 1,$(SANITIZE)),-sanitized) \
	timeout 180 tests/redis/run.sh
	RELAYERS_BUILD=$(BUILD) \
	T_SUITE_NAME=redis$(if $(filter 1,$(SANITIZE)),-sanitized) \
	timeout 60 tests/redis/tls.sh

# The long form: 60 churn rounds (1800 logins, 60 shippers killed).
soak-redis: $(RELAYERSD) $(SHIPPER) $(VSMTPRELAY) $(BUILD)/tests/store-tool \
		$(MAPGEN_POSTFIX)/.unpacked
	RELAYERS_BUILD=$(BUILD) POSTFIX_ROOT=$(CURDIR)/$(MAPGEN_POSTFIX)/root \
	T_SUITE_NAME=redis-soak REDIS_ROUNDS=60 timeout 1200 tests/redis/run.sh

build/core/store_trust.o: core/store_trust.c core/store_trust.h
core/store_trust.h:

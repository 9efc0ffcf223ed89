build/core/store.o: core/store.c core/store.h core/addr.h \
 core/lock_timer.h core/stamp.h core/store_trust.h
core/store.h:
core/addr.h:
core/lock_timer.h:
core/stamp.h:
core/store_trust.h:

build/core/lock_timer.o: core/lock_timer.c core/lock_timer.h
core/lock_timer.h:

build/core/addr.o: core/addr.c core/addr.h
core/addr.h:

build/core/escape.o: core/escape.c core/escape.h
core/escape.h:

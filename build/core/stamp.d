build/core/stamp.o: core/stamp.c core/stamp.h
core/stamp.h:

build/core/cidr.o: core/cidr.c core/cidr.h core/addr.h
core/cidr.h:
core/addr.h:

build/pam_relayers/options.o: pam_relayers/options.c \
 pam_relayers/options.h core/cidr.h core/addr.h core/escape.h \
 core/store.h
pam_relayers/options.h:
core/cidr.h:
core/addr.h:
core/escape.h:
core/store.h:

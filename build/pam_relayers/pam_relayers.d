build/pam_relayers/pam_relayers.o: pam_relayers/pam_relayers.c \
 pam_relayers/client_addr.h core/addr.h core/escape.h \
 pam_relayers/options.h core/cidr.h core/addr.h core/store.h
pam_relayers/client_addr.h:
core/addr.h:
core/escape.h:
pam_relayers/options.h:
core/cidr.h:
core/addr.h:
core/store.h:

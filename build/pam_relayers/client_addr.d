build/pam_relayers/client_addr.o: pam_relayers/client_addr.c \
 pam_relayers/client_addr.h core/addr.h
pam_relayers/client_addr.h:
core/addr.h:

# pam_relayers.so, the module a POP/IMAP server's PAM stack loads.
PAM_MODULE := $(BUILD)/pam_relayers.so
PAM_MODULE_OBJS := $(call objects_of,$(wildcard pam_relayers/*.c))
PROGRAMS += $(PAM_MODULE)
INSTALLS += install-pam-module

# Relinked when this file changes: -z nodelete is part of the module.
$(PAM_MODULE): $(PAM_MODULE_OBJS) $(CORE_LIB) pam_relayers/pam_relayers.map \
		pam_relayers/build.mk
	$(CC) -shared $(ALL_CFLAGS) $(ALL_LDFLAGS) \
		-Wl,--version-script=pam_relayers/pam_relayers.map \
		-Wl,--no-undefined -Wl,-z,nodelete -o $@ $(PAM_MODULE_OBJS) $(CORE_LIB) \
		$(TDB_LIBS) $(PAM_LIBS)

.PHONY: install-pam-module
install-pam-module: $(PAM_MODULE)
	install -d $(DESTDIR)$(PAMDIR)
	install -m 0644 $(PAM_MODULE) $(DESTDIR)$(PAMDIR)/pam_relayers.so
	install -d -m 0750 $(DESTDIR)$(STOREDIR)

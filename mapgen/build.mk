# mapgen, the exporter from the relay store to sendmail's and Postfix's
# hash maps.  It links Berkeley DB 5.3, the library Debian's sendmail and
# Postfix use, so that they read what it writes.
MAPGEN := $(BUILD)/mapgen
MAPGEN_OBJS := $(call objects_of,$(wildcard mapgen/*.c))
MAPGEN_LIBS := -ldb-5.3
PROGRAMS += $(MAPGEN)
INSTALLS += install-mapgen

$(MAPGEN): $(MAPGEN_OBJS) $(CORE_LIB)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -pie -o $@ $(MAPGEN_OBJS) \
		$(CORE_LIB) $(TDB_LIBS) $(MAPGEN_LIBS)

.PHONY: install-mapgen
# docs/build.mk installs every docs/*.8, mapgen.8 included.
install-mapgen: $(MAPGEN)
	install -d $(DESTDIR)$(SBINDIR)
	install -m 0755 $(MAPGEN) $(DESTDIR)$(SBINDIR)/mapgen

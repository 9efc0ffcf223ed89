# The manuals.  Every docs/*.8 is installed into man8, so a new page
# needs no change here.
MAN8_PAGES := $(wildcard docs/*.8)
INSTALLS += install-man

.PHONY: install-man
install-man:
	install -d $(DESTDIR)$(MANDIR)/man8
	install -m 0644 $(MAN8_PAGES) $(DESTDIR)$(MANDIR)/man8/

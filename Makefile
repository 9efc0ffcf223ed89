# relayers: POP-before-SMTP relay authorisation.
#
#   make            build everything into build/
#   make check      every test suite, then again under ASan/UBSan
#   make demo       the main job on this machine, step by step
#   make bench      figures, never pass/fail
#   make install    PREFIX, DESTDIR, PAMDIR as usual; make uninstall
#   make deb        the Debian packages, into build/deb/
#
# Each part of the tree adds its own targets in its build.mk.

VERSION := 1.0.0

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
STOREDIR ?= /var/lib/relayers
# The PAM module directory of this system's libpam, not a guess.
PAMDIR ?= $(shell pkg-config --variable=libdir pam 2>/dev/null || echo /lib)/security

BUILD ?= build
CC ?= cc
CFLAGS ?= -O2 -g
WARNINGS := -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes \
	-Wstrict-prototypes -Wvla -Wno-unused-parameter
ALL_CPPFLAGS := -D_GNU_SOURCE -Icore -DRELAY_VERSION='"$(VERSION)"' \
	-DRELAY_DEFAULT_STORE='"$(STOREDIR)/relayers.tdb"' $(CPPFLAGS)
ALL_CFLAGS := -std=gnu11 -fPIC -fstack-protector-strong $(WARNINGS) $(CFLAGS)
ALL_LDFLAGS := -Wl,-z,relro,-z,now $(LDFLAGS)

ifeq ($(SANITIZE),1)
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
ALL_LDFLAGS += -fsanitize=address,undefined
endif

TDB_LIBS := $(shell pkg-config --libs tdb 2>/dev/null || echo -ltdb)
PAM_LIBS := -lpam

# Objects live apart from the programs: build/vsmtprelay is a program,
# so its objects cannot sit in a directory of that name.
OBJ = $(BUILD)/obj
objects_of = $(patsubst %.c,$(OBJ)/%.o,$(1))

# Filled in by the build.mk files.
PROGRAMS :=
CHECKS :=
SANITIZED_CHECKS :=
BENCHES :=
INSTALLS :=

.PHONY: all check check-suites check-sanitized demo bench install uninstall deps deps-build clean
all:

# Each build.mk adds to the lists above.
include core/build.mk
include $(sort $(filter-out core/build.mk,$(wildcard */build.mk)))
include $(sort $(wildcard tests/*/build.mk))

all: $(PROGRAMS)

# A fresh machine has no compiler yet: the build subset of the one list
# comes first (order-only, so it never forces a rebuild).
$(OBJ)/%.o: %.c | deps-build
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(OBJ) -name '*.d' -type f 2>/dev/null)

deps:
	@scripts/ensure-deps

# debian/rules sets ENSURE_DEPS=true: dpkg-checkbuilddeps has checked the
# same packages there, and a package build must not call apt-get.
ENSURE_DEPS ?= scripts/ensure-deps
deps-build:
	@$(ENSURE_DEPS) build

# Suites run one after another so that a failure names its suite.
check: deps
	$(MAKE) all
	$(MAKE) check-suites
	$(MAKE) BUILD=build/sanitize SANITIZE=1 check-sanitized
	@echo "relayers: every suite passed"

check-suites: $(CHECKS)
check-sanitized: $(SANITIZED_CHECKS)

bench: deps all $(BENCHES)

install: all $(INSTALLS)

# Removes what make install put under DESTDIR/PREFIX (every part's
# INSTALLS, whatever they are); keeps the store.  scripts/uninstall says how.
uninstall:
	@scripts/uninstall "$(MAKE)" "$(DESTDIR)"

clean:
	rm -rf build

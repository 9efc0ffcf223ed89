# The shared core: store, addresses, timestamps, escaping.  Every
# program and the module link this one archive.
CORE_SRCS := $(wildcard core/*.c)
CORE_LIB := $(BUILD)/librelayers.a

$(CORE_LIB): $(call objects_of,$(CORE_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

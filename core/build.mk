# The shared core: store, addresses, timestamps, escaping.  Every
# program and the module link this one archive.
CORE_SRCS := $(wildcard core/*.c)
CORE_LIB := $(BUILD)/librelayers.a

$(CORE_LIB): $(CORE_SRCS:%.c=$(BUILD)/%.o)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

# libFuzzer targets (clang -fsanitize=fuzzer,address,undefined) for every
# parser that sees outside text: addresses, CIDR lists, module options,
# timestamps, and the decoder for records read back from the store.
#   make fuzz             each target for FUZZ_SECONDS (default 60)
#   make check-fuzz-smoke replays seeds and regressions, then a few
#                         seconds each (part of make check)
# Seeds live in fuzz/corpus/<target>/ and are never written to; what the
# fuzzer learns goes to $(BUILD)/fuzz/corpus/<target>/.  Every crash found
# is copied into fuzz/regressions/<target>/ and replayed from then on.
FUZZ_TARGET_NAMES := addr cidr options stamp store_record
# relayersd's socketmap request parser.
FUZZ_TARGET_NAMES += socketmap
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 4
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -Wall -Wextra
FUZZ_CODE := core/addr.c core/cidr.c core/stamp.c core/escape.c \
	pam_relayers/options.c
FUZZ_CODE += relayersd/request.c
FUZZ_BINS := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_TARGET_NAMES))

$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c $(FUZZ_CODE) $(wildcard core/*.h pam_relayers/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(ALL_CPPFLAGS) -Ipam_relayers -Irelayersd -o $@ $< $(FUZZ_CODE)

.PHONY: fuzz check-fuzz-smoke
fuzz: $(FUZZ_BINS)
	fuzz/run.sh $(BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGET_NAMES)

CHECKS += check-fuzz-smoke
check-fuzz-smoke: $(FUZZ_BINS)
	fuzz/run.sh $(BUILD) $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGET_NAMES)

# The layout of every C file is the one .clang-format describes, so that
# no commit can bend it unnoticed.  Lists the files scripts/format would
# change and fails if there are any.
CHECKS += check-format

.PHONY: check-format
check-format:
	scripts/format --check

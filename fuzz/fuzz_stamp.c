/* Timestamps: what relay_stamp_parse accepts is 1 to 19 digits, and
 * formats back to the same number; the arithmetic helpers never
 * overflow (UBSan watches) on any number a caller can pass. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "stamp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[RELAY_STAMP_TEXT_MAX];
	int64_t value, again, numbers[3] = { 0, 0, 0 };

	if (relay_stamp_parse((const char *)data, size, &value)) {
		size_t len = relay_stamp_format(value, text);

		assert(value >= 0 && size >= 1 && size <= 19);
		assert(len >= 1 && len <= size && text[len] == '\0');
		assert(relay_stamp_parse(text, len, &again) && again == value);
		/* The same digits, less any leading zeros. */
		size_t zeros = 0;
		while (zeros + 1 < size && data[zeros] == '0')
			zeros++;
		assert(size - zeros == len && memcmp(data + zeros, text, len) == 0);
	}
	/* Callers pass stamps and clocks that are never negative (parsed
	 * digits or time()), and minutes that are parsed digits too. */
	memcpy(numbers, data, size < sizeof(numbers) ? size : sizeof(numbers));
	for (int i = 0; i < 2; i++)
		numbers[i] &= INT64_MAX;
	(void)relay_minutes_to_seconds(numbers[0]);
	(void)relay_stamp_is_old(numbers[0], numbers[1], numbers[2]);
	(void)relay_stamp_format(numbers[2], text);
	return 0;
}

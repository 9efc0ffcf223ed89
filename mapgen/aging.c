#include "aging.h"

#include <stdlib.h>
#include <string.h>

static bool reserve(struct aging *aging)
{
	size_t capacity;
	struct aging_item *grown;

	if (aging->count < aging->capacity)
		return true;
	capacity = aging->capacity ? aging->capacity * 2 : 1024;
	grown = realloc(aging->items, capacity * sizeof(*grown));
	if (grown == NULL)
		return false;
	aging->items = grown;
	aging->capacity = capacity;
	return true;
}

static void swap(struct aging_item *a, struct aging_item *b)
{
	struct aging_item t = *a;

	*a = *b;
	*b = t;
}

static void sift_up(struct aging *aging, size_t i)
{
	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (aging->items[parent].leaves_at <= aging->items[i].leaves_at)
			return;
		swap(&aging->items[parent], &aging->items[i]);
		i = parent;
	}
}

static void sift_down(struct aging *aging, size_t i)
{
	for (;;) {
		size_t least = i, left = 2 * i + 1, right = left + 1;

		if (left < aging->count &&
		    aging->items[left].leaves_at < aging->items[least].leaves_at)
			least = left;
		if (right < aging->count &&
		    aging->items[right].leaves_at < aging->items[least].leaves_at)
			least = right;
		if (least == i)
			return;
		swap(&aging->items[least], &aging->items[i]);
		i = least;
	}
}

bool aging_append(struct aging *aging, int64_t leaves_at,
		  const struct relay_addr *addr)
{
	if (!reserve(aging))
		return false;
	aging->items[aging->count].leaves_at = leaves_at;
	aging->items[aging->count].addr = *addr;
	aging->count++;
	return true;
}

bool aging_push(struct aging *aging, int64_t leaves_at,
		const struct relay_addr *addr)
{
	if (!aging_append(aging, leaves_at, addr))
		return false;
	sift_up(aging, aging->count - 1);
	return true;
}

void aging_heapify(struct aging *aging)
{
	for (size_t i = aging->count / 2; i-- > 0;)
		sift_down(aging, i);
}

int64_t aging_next(const struct aging *aging)
{
	return aging->count ? aging->items[0].leaves_at : INT64_MAX;
}

bool aging_pop_due(struct aging *aging, int64_t now, struct aging_item *out)
{
	if (aging->count == 0 || aging->items[0].leaves_at > now)
		return false;
	*out = aging->items[0];
	aging->items[0] = aging->items[--aging->count];
	sift_down(aging, 0);
	return true;
}

void aging_clear(struct aging *aging)
{
	aging->count = 0;
}

void aging_free(struct aging *aging)
{
	free(aging->items);
	memset(aging, 0, sizeof(*aging));
}

#include "window.h"

#include "stamp.h"

bool map_window_holds(const struct map_window *window, int64_t stamp)
{
	return window->max_age == MAP_NO_MAX_AGE ||
	       !relay_stamp_is_old(stamp, window->now, window->max_age);
}

int64_t map_window_leaves_at(const struct map_window *window, int64_t stamp)
{
	if (window->max_age == MAP_NO_MAX_AGE ||
	    stamp > MAP_NEVER - window->max_age - 1)
		return MAP_NEVER;
	/* relay_stamp_is_old: gone once now - stamp > max_age. */
	return stamp + window->max_age + 1;
}

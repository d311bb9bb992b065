/* fuzz/events-fuzz.c: -e lists: counters_create on the input, and events_parse on each token alone. */
#include "config.h"

#include "ptime.h"
#include "fuzz.h"

FUZZ_TARGET(events)
{
	char *list = fuzz_string(data, size), *err = NULL, *save = NULL, *tok;
	struct counters *cs = counters_create(list, &err);
	struct event ev;

	if (!cs == !err)
		abort(); /* a list is either parsed or has a reason */
	counters_free(cs);
	free(err);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		err = NULL;
		if (events_parse(tok, &ev, &err) < 0 ? !err : ev.name[0] == '\0')
			abort();
		free(err);
		events_known(tok);
	}
	free(list);
	return 0;
}

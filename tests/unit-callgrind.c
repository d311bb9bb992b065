/* unit-callgrind.c: the callgrind writer against the format's grammar, on a hand-built profile:
   header keys in order, compressed names defined once, calls= >= 1 followed by its cost line,
   and self costs that add up to the summary, the totals and the samples. */
#include "config.h"

#include <regex.h>
#include <stdlib.h>

#include "ptime.h"
#include "tap.h"

static char *argv_cmd[] = { "./hot", "1", NULL };

static bool matches(const char *re, const char *s)
{
	regex_t r;
	bool m;
	if (regcomp(&r, re, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	m = regexec(&r, s, 0, NULL, 0) == 0;
	regfree(&r);
	return m;
}

int main(void)
{
	struct profile *p = profile_new(false);
	struct result r;
	const char *a_c, *b_h, *exe;
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *fp;
	bool header = true, header_ok = true, names_ok = true, costs_ok = true, calls_ok = true, after_calls = false;
	bool seen_fl = false, fn_before_fl = false;
	unsigned long long self = 0, summary = 0, totals = 0;
	char defined[3][64] = { { 0 } };
	int nlines = 0;

	a_c = strtab_intern(p->strs, "/src/a.c");
	b_h = strtab_intern(p->strs, "/src/b.h");
	exe = strtab_intern(p->strs, "/bin/hot");
	p->samples = 100;
	snprintf(p->event, sizeof p->event, "cpu-clock:u");
	p->hz = 999;
	p->call_graph = true;
	p->nfuncs = 4;
	p->funcs = xcalloc(4, sizeof *p->funcs);
	p->funcs[0] = (struct prof_func){ strtab_intern(p->strs, "main"), exe, a_c, 10, 0, 100 };
	p->funcs[1] = (struct prof_func){ strtab_intern(p->strs, "heavy"), exe, a_c, 20, 70, 70 };
	p->funcs[2] = (struct prof_func){ strtab_intern(p->strs, "light"), exe, a_c, 30, 25, 25 };
	/* a function without line information: its cost goes on line 0 */
	p->funcs[3] = (struct prof_func){ strtab_intern(p->strs, "libc+0x1234"), strtab_intern(p->strs, "/lib/libc.so.6"), NULL, 0, 5, 5 };
	p->nlines = 3;
	p->lines = xcalloc(3, sizeof *p->lines);
	p->lines[0] = (struct prof_line){ a_c, 21, 1, 60, 60 };
	p->lines[1] = (struct prof_line){ b_h, 5, 1, 10, 10 }; /* inlined from a header */
	p->lines[2] = (struct prof_line){ a_c, 31, 2, 25, 25 };
	p->ncalls = 3;
	p->calls = xcalloc(3, sizeof *p->calls);
	p->calls[0] = (struct prof_call){ 0, 1, a_c, 12, 70 };
	p->calls[1] = (struct prof_call){ 0, 2, a_c, 13, 25 };
	p->calls[2] = (struct prof_call){ 0, 3, b_h, 7, 5 };

	memset(&r, 0, sizeof r);
	r.argv = argv_cmd;
	r.profile = p;
	fp = open_memstream(&buf, &len);
	ok(report_callgrind(fp, &r) == 0, "report_callgrind writes");
	fclose(fp);

	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save), nlines++) {
		if (nlines == 0) {
			is_str(line, "# callgrind format", "the first line names the format");
			continue;
		}
		if (header) {
			if (matches("^events: Samples$", line))
				header = false;
			else if (!matches("^(version: 1|creator: .+|pid: [0-9]+|cmd: .+|part: [0-9]+|desc: .+|positions: line)$", line))
				header_ok = false;
			continue;
		}
		if (after_calls) {
			unsigned long long ln, cost;
			if (sscanf(line, "%llu %llu", &ln, &cost) != 2 || !matches("^[0-9]+ [0-9]+$", line))
				calls_ok = false;
			after_calls = false;
			continue;
		}
		if (sscanf(line, "summary: %llu", &summary) == 1 || sscanf(line, "totals: %llu", &totals) == 1)
			continue;
		if (matches("^calls=[0-9]+ [0-9]+$", line)) {
			if (matches("^calls=0 ", line))
				calls_ok = false;
			after_calls = true;
			continue;
		}
		if (matches("^(ob|fl|fi|fe|fn|cob|cfl|cfi|cfn)=\\([0-9]+\\)( .+)?$", line)) {
			/* a name is defined with "(id) name" once, then used as "(id)" */
			int space = strchr(line, ' ') != NULL, kind = line[0] == 'c' ? 1 : 0, id;
			const char *key = line + kind;
			int sp = !strncmp(key, "ob", 2) ? 0 : !strncmp(key, "fn", 2) ? 2 : 1;
			sscanf(strchr(line, '(') + 1, "%d", &id);
			if (id <= 0 || id >= 64 || (space && defined[sp][id]) || (!space && !defined[sp][id]))
				names_ok = false;
			defined[sp][id] = 1;
			if (!strncmp(line, "fl=", 3))
				seen_fl = true;
			if (!strncmp(line, "fn=", 3) && !seen_fl)
				fn_before_fl = true;
			continue;
		}
		if (matches("^[0-9]+ [0-9]+$", line)) {
			unsigned long long ln, cost;
			sscanf(line, "%llu %llu", &ln, &cost);
			self += cost;
			continue;
		}
		costs_ok = false;
		printf("# unexpected line: '%s'\n", line);
	}
	ok(!header, "the header ends with events:");
	ok(header_ok, "every header line is one callgrind_annotate knows");
	ok(names_ok, "compressed names are defined once and used after");
	ok(!fn_before_fl, "a file comes before the first function");
	ok(calls_ok, "calls= is never 0 and is followed by its cost line");
	ok(costs_ok, "every body line is a name, a cost, calls=, summary or totals");
	is_int(self, 100, "self costs add up to the samples");
	is_int(summary, 100, "summary is the samples");
	is_int(totals, 100, "totals is the samples");
	free(buf);
	profile_free(p);
	return done();
}

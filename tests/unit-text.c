/* unit-text.c: UTF-8 checks and repair against Markus Kuhn's stress cases and Unicode's
   maximal-subpart rule (Python's decode(errors="replace") gives the same), base64 against RFC 4648
   and coreutils' base64, and the escapes of the text reports. */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "ptime.h"
#include "tap.h"

#define R "\xef\xbf\xbd" /* U+FFFD */

struct vec {
	const char *what, *in, *fixed; /* fixed: the input with each ill-formed part replaced */
};

static const struct vec vecs[] = {
	/* well-formed */
	{ "ASCII", "hello", "hello" },
	{ "Kuhn 1: the Greek word kosme", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5",
	  "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5" },
	{ "Kuhn 2.1: first 2-byte U+0080", "\xc2\x80", "\xc2\x80" },
	{ "Kuhn 2.1: first 3-byte U+0800", "\xe0\xa0\x80", "\xe0\xa0\x80" },
	{ "Kuhn 2.1: first 4-byte U+10000", "\xf0\x90\x80\x80", "\xf0\x90\x80\x80" },
	{ "Kuhn 2.2: last 1-byte U+007F", "\x7f", "\x7f" },
	{ "Kuhn 2.2: last 2-byte U+07FF", "\xdf\xbf", "\xdf\xbf" },
	{ "Kuhn 2.2: last 3-byte U+FFFF", "\xef\xbf\xbf", "\xef\xbf\xbf" },
	{ "Kuhn 2.3: U+D7FF", "\xed\x9f\xbf", "\xed\x9f\xbf" },
	{ "Kuhn 2.3: U+E000", "\xee\x80\x80", "\xee\x80\x80" },
	{ "Kuhn 2.3: U+FFFD", "\xef\xbf\xbd", "\xef\xbf\xbd" },
	{ "Kuhn 2.3: U+10FFFF", "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf" },
	{ "Kuhn 5.3: noncharacter U+FFFE is well-formed", "\xef\xbf\xbe", "\xef\xbf\xbe" },
	/* ill-formed */
	{ "Kuhn 2.1: 5-byte form", "\xf8\x88\x80\x80\x80", R R R R R },
	{ "Kuhn 2.1: 6-byte form", "\xfc\x84\x80\x80\x80\x80", R R R R R R },
	{ "Kuhn 2.2: U+1FFFFF as 4 bytes", "\xf7\xbf\xbf\xbf", R R R R },
	{ "Kuhn 2.3: U+110000", "\xf4\x90\x80\x80", R R R R },
	{ "Kuhn 3.1: lone continuation bytes", "\x80\xbf", R R },
	{ "Kuhn 3.1: continuations between ASCII", "a\x80" "b\xbf" "c", "a" R "b" R "c" },
	{ "Kuhn 3.2: lonely start followed by a space", "\xc0 \xe0 \xf0 ", R " " R " " R " " },
	{ "Kuhn 3.3: 2-byte with the last byte missing", "\xdf", R },
	{ "Kuhn 3.3: 3-byte with the last byte missing", "\xef\xbf", R },
	{ "Kuhn 3.3: 4-byte with the last byte missing", "\xf0\x9f\x98", R },
	{ "truncated 3-byte before ASCII", "\xe2\x82" "A", R "A" },
	{ "Kuhn 3.4: the truncated sequences concatenated", "\xdf\xef\xbf\xf0\x9f\x98", R R R },
	{ "Kuhn 3.5: impossible bytes", "\xfe\xfe\xff\xff", R R R R },
	{ "Kuhn 4.1: overlong '/' in 2 bytes", "\xc0\xaf", R R },
	{ "Kuhn 4.1: overlong '/' in 3 bytes", "\xe0\x80\xaf", R R R },
	{ "Kuhn 4.1: overlong '/' in 4 bytes", "\xf0\x80\x80\xaf", R R R R },
	{ "Kuhn 4.2: maximum overlong 2-byte", "\xc1\xbf", R R },
	{ "Kuhn 4.2: maximum overlong 3-byte", "\xe0\x9f\xbf", R R R },
	{ "Kuhn 4.2: maximum overlong 4-byte", "\xf0\x8f\xbf\xbf", R R R R },
	{ "Kuhn 4.3: overlong NUL in 2 bytes", "\xc0\x80", R R },
	{ "Kuhn 4.3: overlong NUL in 3 bytes", "\xe0\x80\x80", R R R },
	{ "Kuhn 5.1: surrogate U+D800", "\xed\xa0\x80", R R R },
	{ "Kuhn 5.1: surrogate U+DBFF", "\xed\xaf\xbf", R R R },
	{ "Kuhn 5.1: surrogate U+DC00", "\xed\xb0\x80", R R R },
	{ "Kuhn 5.1: surrogate U+DFFF", "\xed\xbf\xbf", R R R },
	{ "Kuhn 5.2: surrogate pair U+D800 U+DC00", "\xed\xa0\x80\xed\xb0\x80", R R R R R R },
	{ "the issue's argument a\\xff", "a\xff", "a" R },
};

static void test_utf8(void)
{
	size_t i;
	uint32_t cp;
	char buf[64];

	for (i = 0; i < sizeof vecs / sizeof vecs[0]; i++) {
		const struct vec *v = &vecs[i];
		size_t n = strlen(v->in), need = text_utf8_fix(NULL, 0, v->in, n);
		ok(text_utf8_valid(v->in, n) == (strcmp(v->in, v->fixed) == 0), "valid: %s", v->what);
		text_utf8_fix(buf, sizeof buf, v->in, n);
		ok(strcmp(buf, v->fixed) == 0 && need == strlen(v->fixed), "fixed: %s", v->what);
		ok(text_utf8_valid(buf, strlen(buf)), "the fixed string is well-formed: %s", v->what);
	}
	is_int(text_utf8_next("\xf4\x8f\xbf\xbf", 4, &cp), 4, "U+10FFFF is 4 bytes");
	is_int(cp, 0x10ffff, "and decodes to U+10FFFF");
	is_int(text_utf8_next("\xe2\x82\xac", 3, &cp), 3, "the euro sign is 3 bytes");
	is_int(cp, 0x20ac, "and decodes to U+20AC");
	is_int(text_utf8_next("\xe2\x82\xac", 2, &cp), -2, "cut short by n, it is a 2-byte ill-formed part");
	is_int(text_utf8_next("", 1, &cp), 1, "NUL is a character of its own");

	/* truncation: as snprintf, the count is the whole result's */
	is_int(text_utf8_fix(buf, 3, "a\xff", 2), 4, "fix into a short buffer counts the whole result");
	is_str(buf, "a", "and writes only whole bytes that fit, NUL-terminated");
}

static void test_base64(void)
{
	static const char *const rfc[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
		{ "a\xff", "Yf8=" },
	};
	unsigned char all[256];
	char ours[400], theirs[400], path[] = "/tmp/unit-text.XXXXXX", cmd[128];
	size_t i, n;
	int fd;
	FILE *p;

	for (i = 0; i < sizeof rfc / sizeof rfc[0]; i++) {
		char buf[32];
		is_int(text_base64(buf, sizeof buf, rfc[i][0], strlen(rfc[i][0])), strlen(rfc[i][1]),
		       "base64 length of '%s'", rfc[i][1]);
		is_str(buf, rfc[i][1], "RFC 4648 section 10: base64 of %zu bytes", strlen(rfc[i][0]));
	}
	for (i = 0; i < 256; i++)
		all[i] = (unsigned char)(255 - i);
	if (access("/usr/bin/base64", X_OK) != 0) {
		ok(1, "# SKIP coreutils base64 is not installed");
		return;
	}
	for (n = 0; n <= 256; n += n < 8 ? 1 : 62) {
		fd = mkstemp(path);
		if (fd < 0 || write(fd, all, n) != (ssize_t)n) {
			ok(0, "write a temporary file");
			return;
		}
		close(fd);
		snprintf(cmd, sizeof cmd, "/usr/bin/base64 -w0 %s", path);
		p = popen(cmd, "r");
		theirs[0] = '\0';
		if (p) {
			if (!fgets(theirs, sizeof theirs, p))
				theirs[0] = '\0';
			pclose(p);
		}
		unlink(path);
		strcpy(path, "/tmp/unit-text.XXXXXX");
		text_base64(ours, sizeof ours, all, n);
		is_str(ours, theirs, "base64 of %zu bytes 0xff down agrees with coreutils' base64 -w0", n);
	}
}

static void test_escape(void)
{
	const char *clean = "main";
	char buf[8];

	is_str(text_escape_terminal("a\nEVIL 9999999\n"), "a\\nEVIL 9999999\\n", "terminal: newlines as \\n");
	is_str(text_escape_terminal("\x1b[31mred"), "\\x1b[31mred", "terminal: ESC as \\x1b");
	is_str(text_escape_terminal("b\xff\xfe"), "b\\xff\\xfe", "terminal: ill-formed bytes as \\xHH");
	is_str(text_escape_terminal("\xc2\x9b" "1m"), "\\xc2\\x9b1m", "terminal: C1 CSI as its two bytes");
	is_str(text_escape_terminal("del\x7f"), "del\\x7f", "terminal: DEL");
	is_str(text_escape_terminal("a\tb\r"), "a\\tb\\r", "terminal: tab and CR");
	is_str(text_escape_terminal("f\xc3\xbc\xc3\x9f \xe2\x82\xac"), "f\xc3\xbc\xc3\x9f \xe2\x82\xac",
	       "terminal: well-formed UTF-8 stays");
	ok(text_escape_terminal(clean) == clean, "terminal: a clean string is returned as it is, not copied");
	ok(text_escape_terminal(NULL) == NULL, "terminal: NULL stays NULL");
	is_str(text_escape_source("\tint x; /* \x1b]0;title\x07 */"), "\tint x; /* \\x1b]0;title\\x07 */",
	       "source: a tab stays, ESC and BEL do not");
	is_str(text_folded_frame("a;b c\n"), "a\\x3bb c\\n", "folded frame: ';' and newline escaped, space kept");
	is_str(text_folded_stack("a\nEVIL 9999999\n;main;burn"), "a\\nEVIL 9999999\\n;main;burn",
	       "folded stack: one line, separators kept");
	is_str(text_callgrind_name("fn\n" "fn=(1) evil"), "fn\\nfn=(1) evil", "callgrind: no line break");
	is_int(text_escape(buf, sizeof buf, "\x01\x02\x03", 0), 12, "escape counts the whole result");
	is_str(buf, "\\x01", "and truncates it NUL-terminated, at a whole escape");
	{
		/* more escaped strings alive at once than one printf needs */
		const char *a = text_escape_terminal("1\n"), *b = text_escape_terminal("2\n"), *c = text_escape_terminal("3\n");
		is_str(a, "1\\n", "ring: the first of three is intact");
		is_str(b, "2\\n", "ring: the second");
		is_str(c, "3\\n", "ring: the third");
	}
}

int main(void)
{
	test_utf8();
	test_base64();
	test_escape();
	return done();
}

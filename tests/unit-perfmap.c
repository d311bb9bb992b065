/* unit-perfmap.c: the /tmp/perf-PID.map parser on good, malformed, overlong and random input, and the
   reader on a FIFO, a symbolic link and a line longer than its buffer. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ptime.h"
#include "tap.h"

struct got {
	size_t n;
	uint64_t start[8], size[8];
	char name[8][64];
	bool bad; /* a name with a newline, or longer than a line may be */
};

static bool add(void *ctx, uint64_t start, uint64_t size, const char *name, size_t nlen)
{
	struct got *g = ctx;
	if (nlen > PERFMAP_MAX_LINE || memchr(name, '\n', nlen) || nlen == 0)
		g->bad = true;
	if (g->n < 8) {
		g->start[g->n] = start;
		g->size[g->n] = size;
		snprintf(g->name[g->n], sizeof g->name[0], "%.*s", (int)(nlen < 63 ? nlen : 63), name);
	}
	g->n++;
	return true;
}

static size_t parse(const char *text, bool eof, struct got *g)
{
	memset(g, 0, sizeof *g);
	return perfmap_parse(text, strlen(text), eof, add, g);
}

int main(void)
{
	struct got g;
	char *big, path[64], why[200];
	size_t i, used;
	long n;
	int fd;

	static const char two[] = "7f0000001000 40 fx_jit_loop\n0x7f0000002000 0x10 Lambda$1 (java.lang.String)\n";
	used = parse(two, true, &g);
	is_int(g.n, 2, "two entries");
	ok(g.start[0] == 0x7f0000001000 && g.size[0] == 0x40, "start and size in hexadecimal");
	is_str(g.name[0], "fx_jit_loop", "the name");
	ok(g.start[1] == 0x7f0000002000 && g.size[1] == 0x10, "0x prefixes");
	is_str(g.name[1], "Lambda$1 (java.lang.String)", "a name with spaces is kept whole");
	is_int(used, strlen(two), "everything consumed");

	parse("1000 10 a\r\nzz 10 b\n1000 c\n-1000 10 d\n1000 10\n1000 10   \n11112222333344445 1 e\n"
	      "ffffffffffffffff 2 wraps\n2000\t8\tf\n", true, &g);
	is_int(g.n, 2, "malformed lines are skipped: no size, a sign, no name, 17 digits, an end past 2^64");
	is_str(g.name[0], "a", "a CR before the newline is not part of the name");
	is_str(g.name[1], "f", "tabs separate fields");

	used = parse("1000 10 a\n2000 10 par", false, &g);
	ok(g.n == 1 && used == 10, "without eof the unfinished last line is left for later");
	parse("1000 10 a\n2000 10 par", true, &g);
	ok(g.n == 2 && strcmp(g.name[1], "par") == 0, "at eof the last line counts without its newline");

	big = xmalloc(3 * PERFMAP_MAX_LINE + 100);
	strcpy(big, "1000 10 ");
	memset(big + 8, 'x', 2 * PERFMAP_MAX_LINE);
	strcpy(big + 8 + 2 * PERFMAP_MAX_LINE, "tail\n3000 10 after\n");
	parse(big, true, &g);
	ok(g.n == 1 && strcmp(g.name[0], "after") == 0 && !g.bad, "a line longer than the limit is skipped whole, not split");

	/* random input: no crash, no name with a newline, none overlong */
	srand(1);
	for (i = 0; i < 20000; i++) {
		size_t len = (size_t)rand() % 200, k;
		char buf[256];
		static const char alphabet[] = "0123456789abcdefxX \t\n\r-+zq\0";
		for (k = 0; k < len; k++)
			buf[k] = alphabet[rand() % (int)(sizeof alphabet)];
		memset(&g, 0, sizeof g);
		used = perfmap_parse(buf, len, rand() % 2, add, &g);
		if (g.bad || used > len)
			break;
	}
	is_int(i, 20000, "20000 random buffers parse without a bad entry");

	/* the reader, on files */
	snprintf(path, sizeof path, "/tmp/unit-perfmap.%d", (int)getpid());
	unlink(path);
	if (mkfifo(path, 0600) == 0) {
		memset(&g, 0, sizeof g);
		n = perfmap_read(path, getuid(), add, &g, why, sizeof why);
		ok(n < 0 && strstr(why, "FIFO"), "a FIFO is refused without blocking (%s)", why);
		unlink(path);
	} else {
		ok(1, "# SKIP mkfifo: %s", strerror(errno));
	}
	if (symlink("/dev/zero", path) == 0) {
		memset(&g, 0, sizeof g);
		n = perfmap_read(path, getuid(), add, &g, why, sizeof why);
		ok(n < 0 && strstr(why, "symbolic link"), "a symbolic link is not followed (%s)", why);
		unlink(path);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd >= 0) {
		/* a 100 KiB line spans the reader's 64 KiB chunks */
		char *line = xmalloc(100000);
		memset(line, 'y', 100000);
		memcpy(line, "1000 10 ", 8);
		(void)!write(fd, line, 100000);
		(void)!write(fd, "\n4000 20 good\n", 14);
		close(fd);
		memset(&g, 0, sizeof g);
		n = perfmap_read(path, getuid(), add, &g, why, sizeof why);
		ok(n == 1 && strcmp(g.name[0], "good") == 0 && !g.bad, "a line longer than the read buffer is skipped whole");
		memset(&g, 0, sizeof g);
		n = perfmap_read(path, getuid() + 1, add, &g, why, sizeof why);
		if (getuid() != 0)
			ok(n < 0 && strstr(why, "owned by"), "a map owned by another user is refused (%s)", why);
		else
			ok(n == 1, "root's map is read whoever is asking");
		unlink(path);
		free(line);
	}
	free(big);
	return done();
}

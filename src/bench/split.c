/* bench/split.c: a command string into words by the shell's quoting rules, or the finding that it
   needs a shell; {NAME} substitution; and quoting an argv back into one string. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <stdlib.h>

#include "ptime.h"

/* Words that mean something only to a shell: a string that starts with one runs under it. */
static const char *const split_shell_words[] = {
	"!", "{", "}", "case", "do", "done", "elif", "else", "esac", "fi", "for", "if", "in", "then", "until",
	"while", ".", ":", "alias", "cd", "eval", "exec", "exit", "export", "readonly", "return", "set",
	"shift", "source", "times", "trap", "ulimit", "umask", "unset", "wait", NULL,
};

static bool split_assignment(const char *w)
{
	const char *eq = strchr(w, '=');
	const char *p;

	if (!eq || eq == w || (*w >= '0' && *w <= '9'))
		return false;
	for (p = w; p < eq; p++)
		if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			return false;
	return true;
}

/* Split s into words as sh would, honouring '...', "..." and backslashes. Returns 0 with *argv
   (NULL-terminated, owned) and *shell false for plain words; 0 with *argv NULL and *shell true when
   s uses shell syntax (operators, redirections, expansions, globs, comments, an assignment or a
   reserved word first) and so must run under a shell; -EINVAL for an unterminated quote or an
   empty string. With literal (--shell=none) every character but quoting is taken as it is. */
int bench_split_words(const char *s, bool literal, char ***argv, bool *shell)
{
	size_t n = 0, cap = 4, len = strlen(s);
	char **v = xcalloc(cap, sizeof *v);
	char *w = xmalloc(len + 1);
	bool in_word = false, needs = false;
	size_t wl = 0, i;

	*argv = NULL;
	*shell = false;
	for (i = 0;; i++) {
		char c = s[i];
		bool at_start = !in_word;
		if (c == '\0' || c == ' ' || c == '\t' || (c == '\n' && literal)) {
			if (in_word) {
				w[wl] = '\0';
				if (n + 2 > cap)
					v = xrealloc(v, (cap *= 2) * sizeof *v);
				v[n++] = xstrdup(w);
				v[n] = NULL;
				wl = 0;
				in_word = false;
			}
			if (c == '\0')
				break;
			continue;
		}
		in_word = true;
		if (c == '\'') {
			const char *end = strchr(s + i + 1, '\'');
			if (!end)
				goto unterminated;
			memcpy(w + wl, s + i + 1, (size_t)(end - s - i - 1));
			wl += (size_t)(end - s - i - 1);
			i = (size_t)(end - s);
		} else if (c == '"') {
			for (i++; s[i] != '"'; i++) {
				if (s[i] == '\0')
					goto unterminated;
				if (!literal && (s[i] == '$' || s[i] == '`'))
					needs = true;
				if (s[i] == '\\' && (s[i + 1] == '"' || s[i + 1] == '\\' || s[i + 1] == '$' ||
						     s[i + 1] == '`' || s[i + 1] == '\n'))
					i++;
				w[wl++] = s[i];
			}
		} else if (c == '\\') {
			if (s[i + 1] == '\0') {
				if (!literal)
					needs = true;
				w[wl++] = c;
			} else {
				w[wl++] = s[++i];
			}
		} else {
			if (!literal && (strchr("|&;<>()$`\n*?[", c) || (at_start && (c == '#' || c == '~'))))
				needs = true;
			w[wl++] = c;
		}
	}
	free(w);
	if (n == 0) {
		free(v);
		return -EINVAL;
	}
	if (!literal && !needs) {
		size_t k;
		if (split_assignment(v[0]))
			needs = true;
		for (k = 0; !needs && split_shell_words[k]; k++)
			if (strcmp(v[0], split_shell_words[k]) == 0)
				needs = true;
	}
	if (needs) {
		bench_free_argv(v);
		*shell = true;
		return 0;
	}
	*argv = v;
	return 0;
unterminated:
	free(w);
	bench_free_argv(v);
	return -EINVAL;
}

/* Free a NULL-terminated, owned argv. */
void bench_free_argv(char **v)
{
	size_t i;
	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* s with every {NAME} of the parameters replaced by its value; owned. */
char *bench_substitute(const char *s, const char *const *names, char *const *values, size_t n)
{
	size_t cap = strlen(s) + 1, len = 0, k;
	char *out = xmalloc(cap);

	while (*s) {
		bool done = false;
		if (*s == '{') {
			for (k = 0; k < n; k++) {
				size_t nl = strlen(names[k]);
				if (strncmp(s + 1, names[k], nl) == 0 && s[1 + nl] == '}') {
					size_t vl = strlen(values[k]);
					if (len + vl + 1 > cap)
						out = xrealloc(out, cap = 2 * (len + vl + 1));
					memcpy(out + len, values[k], vl);
					len += vl;
					s += nl + 2;
					done = true;
					break;
				}
			}
		}
		if (done)
			continue;
		if (len + 2 > cap)
			out = xrealloc(out, cap *= 2);
		out[len++] = *s++;
	}
	out[len] = '\0';
	return out;
}

/* argv as one string a shell would split back into the same words: words that need it in '...'. */
char *bench_join(char *const *argv)
{
	size_t cap = 64, len = 0, i;
	char *out = xmalloc(cap);

	out[0] = '\0';
	for (i = 0; argv[i]; i++) {
		const char *a = argv[i], *p;
		bool plain = *a != '\0';
		for (p = a; *p && plain; p++)
			plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=./,:@%^", *p) != NULL;
		if (len + 4 * strlen(a) + 4 > cap)
			out = xrealloc(out, cap = 2 * (len + 4 * strlen(a) + 4));
		if (i)
			out[len++] = ' ';
		if (plain) {
			strcpy(out + len, a);
			len += strlen(a);
			continue;
		}
		out[len++] = '\'';
		for (p = a; *p; p++) {
			if (*p == '\'') {
				memcpy(out + len, "'\\''", 4);
				len += 4;
			} else {
				out[len++] = *p;
			}
		}
		out[len++] = '\'';
		out[len] = '\0';
	}
	return out;
}

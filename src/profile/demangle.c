/* profile/demangle.c: symbol names as people read them: C++, Rust legacy and Rust v0 through libiberty
   (statically linked: no loading at start-up), or libstdc++'s __cxa_demangle where it is missing;
   and the shortened names of the text reports (template arguments collapsed, as KCachegrind does). */
#include "config.h"

#include <ctype.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "ptime.h"

#ifdef HAVE_LIBIBERTY
#include <libiberty/demangle.h>
#endif

/* Whether name is mangled in a scheme a demangler knows: Itanium C++ (and Rust legacy) or Rust v0. */
static bool demangle_mangled(const char *name, size_t len)
{
	if (len < 3 || name[0] != '_')
		return false;
	if (name[1] == 'Z')
		return true;
	return name[1] == 'R' && (isupper((unsigned char)name[2]) || isdigit((unsigned char)name[2]));
}

/* Remove every " [clone .llvm.N]": ThinLTO renames a promoted local, the function is the same one. */
static void demangle_drop_llvm(char *s)
{
	char *p;
	while ((p = strstr(s, " [clone .llvm."))) {
		char *end = strchr(p + 1, ']');
		if (!end)
			break;
		memmove(p, end + 1, strlen(end + 1) + 1);
	}
}

#ifdef HAVE_LIBIBERTY
static char *demangle_run(const char *mangled)
{
	/* Rust first, as cplus_demangle's DMGL_AUTO does: a legacy Rust name is an Itanium one ending in a
	   hash, which Rust's demangler leaves out, as rustfilt and perf leave it out. Calling the two
	   demanglers rather than cplus_demangle links neither D's nor Ada's (40 KB less). */
	char *out = rust_demangle(mangled, DMGL_PARAMS | DMGL_ANSI);
	return out ? out : cplus_demangle_v3(mangled, DMGL_PARAMS | DMGL_ANSI);
}
#else
static char *demangle_run(const char *mangled)
{
	static char *(*cxa)(const char *, char *, size_t *, int *);
	static bool tried;
	int status = -1;
	char *out;
	size_t len;

	if (mangled[1] != 'Z')
		return NULL; /* Rust v0 needs libiberty */
	if (!tried) {
		/* libstdc++ is loaded only when a mangled name shows up: no start-up cost otherwise. */
		void *h = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);
		tried = true;
		if (h)
			*(void **)&cxa = dlsym(h, "__cxa_demangle");
	}
	if (!cxa || !(out = cxa(mangled, NULL, NULL, &status)) || status != 0)
		return NULL;
	/* Rust's legacy mangling ends in a hash: "::h0123456789abcdef". */
	len = strlen(out);
	if (len > 19 && strncmp(out + len - 19, "::h", 3) == 0 && strspn(out + len - 16, "0123456789abcdef") == 16)
		out[len - 19] = '\0';
	return out;
}
#endif

/* The demangled form of a symbol name (malloc'ed), or NULL when it is not mangled or not understood.
   A version or PLT suffix ("@plt", "@@GLIBC_2.2.5") is kept after the demangled name, as objdump -C
   keeps it. */
char *demangle_name(const char *mangled)
{
	const char *at = strchr(mangled, '@');
	size_t len = at ? (size_t)(at - mangled) : strlen(mangled);
	char *base, *out;

	if (!demangle_mangled(mangled, len))
		return NULL;
	base = xmalloc(len + 1);
	memcpy(base, mangled, len);
	base[len] = '\0';
	out = demangle_run(base);
	free(base);
	if (!out)
		return NULL;
	demangle_drop_llvm(out);
	if (at) {
		char *full = xasprintf("%s%s", out, at);
		free(out);
		out = full;
	}
	return out;
}

static bool demangle_ident(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$';
}

/* Whether s[0..i) ends in the keyword "operator", so that s[i] starts an operator's name. */
static bool demangle_after_operator(const char *s, size_t i)
{
	return i >= 8 && strncmp(s + i - 8, "operator", 8) == 0 && (i == 8 || !demangle_ident(s[i - 9]));
}

/* A shorter form of a demangled name for the text reports (malloc'ed): the arguments of every template
   collapsed to "<>", and with DEMANGLE_SHORT_BARE the parameter list, its qualifiers and clone suffixes
   dropped too, as perf prints names. "<T as Trait>" in Rust (a qualified path, not template arguments)
   is kept, its own arguments collapsed. Pure: the same name always gives the same result. */
char *demangle_shorten(const char *name, int how)
{
	size_t n = strlen(name), i, o = 0;
	char *out = xmalloc(n + 1);
	int paren = 0, brace = 0;

	for (i = 0; i < n; i++) {
		char c = name[i];
		if (demangle_after_operator(name, i) && strchr("<>=-!+*/%^&|~,()[]", c)) {
			/* operator<, operator<<=, operator(), operator-> ...: copy the operator's characters */
			size_t k = i;
			if (c == '(' && name[i + 1] == ')')
				k = i + 2;
			else if (c == '[' && name[i + 1] == ']')
				k = i + 2;
			else
				while (k < n && strchr("<>=-!+*/%^&|~,", name[k]))
					k++;
			memcpy(out + o, name + i, k - i);
			o += k - i;
			i = k - 1;
			continue;
		}
		if (c == '<' && o > 0 && (demangle_ident(out[o - 1]) || out[o - 1] == '>' ||
					  (o > 1 && out[o - 1] == ':' && out[o - 2] == ':'))) {
			/* template arguments (Rust's generic ones after "::"): skip to the matching '>' */
			int depth = 1;
			size_t k = i + 1;
			while (k < n && depth > 0) {
				if (name[k] == '<')
					depth++;
				else if (name[k] == '>')
					depth--;
				k++;
			}
			if (depth > 0) {
				/* unbalanced: not a name this knows how to shorten */
				free(out);
				return xstrdup(name);
			}
			out[o++] = '<';
			out[o++] = '>';
			i = k - 1;
			continue;
		}
		if (c == '{')
			brace++;
		else if (c == '}' && brace > 0)
			brace--;
		if ((how & DEMANGLE_SHORT_BARE) && c == '(' && !brace && !paren) {
			if (strncmp(name + i, "(anonymous namespace)", 21) == 0) {
				memcpy(out + o, name + i, 21);
				o += 21;
				i += 20;
				continue;
			}
			break; /* the parameter list: it and all after it (const, [clone .cold]) go */
		}
		if (c == '(')
			paren++;
		else if (c == ')' && paren > 0)
			paren--;
		out[o++] = c;
	}
	out[o] = '\0';
	if ((how & DEMANGLE_SHORT_BARE) && i < n) {
		/* keep a "@plt" suffix: it says where the time went */
		const char *at = strrchr(name + i, '@');
		if (at && !strchr(at, ')') && !strchr(at, ' ')) {
			char *full = xasprintf("%s%s", out, at);
			free(out);
			out = full;
		}
	}
	return out;
}

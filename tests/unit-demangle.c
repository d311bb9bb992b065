/* unit-demangle.c: demangle_name against binutils' c++filt (C++, and Rust with -s rust, its hash and
   crate disambiguators left out as perf and rustfilt leave them out), in bulk on libstdc++'s own
   symbols; and demangle_shorten on real libstdc++ and Rust names (std::map<std::string, ...>). */
#include "config.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ptime.h"
#include "tap.h"

/* c++filt's answer for one name, read from its input as it reads names in text ("@plt" stays after the
   name); -i: no "implementation details", as perf, objdump -C and __cxa_demangle print names. */
static void cxxfilt(const char *style, const char *mangled, char *out, size_t len)
{
	char cmd[8192];
	FILE *p;
	out[0] = '\0';
	snprintf(cmd, sizeof cmd, "printf '%%s\\n' '%s' | c++filt -i %s 2>/dev/null", mangled, style);
	if (!(p = popen(cmd, "r")))
		return;
	if (!fgets(out, (int)len, p))
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	pclose(p);
}

#ifdef HAVE_LIBIBERTY
/* Remove what perf and rustfilt leave out of c++filt's verbose Rust names: "::h<16 hex>" and "[<hex>]". */
static void rust_plain(char *s)
{
	regex_t re;
	regmatch_t m;
	regcomp(&re, "(::h[0-9a-f]{16}$)|(\\[[0-9a-f]+\\])", REG_EXTENDED);
	while (regexec(&re, s, 1, &m, 0) == 0)
		memmove(s + m.rm_so, s + m.rm_eo, strlen(s + m.rm_eo) + 1);
	regfree(&re);
}
#endif

static void is_demangled(const char *mangled, const char *want, const char *what)
{
	char *got = demangle_name(mangled);
	is_str(got, want, "%s", what);
	free(got);
}

static void is_short(const char *name, int how, const char *want, const char *what)
{
	char *got = demangle_shorten(name, how);
	is_str(got, want, "%s", what);
	free(got);
}

#ifdef HAVE_LIBIBERTY
/* Rust names from rustc 1.x (-C symbol-mangling-version=v0 for _R) on a HashMap<String, Vec<u32>>. */
static const char *const rust[] = {
	"_ZN71_$LT$core..hash..sip..Hasher$LT$S$GT$$u20$as$u20$core..hash..Hasher$GT$5write17h168234f45e102d50E",
	"_ZN4core4hash11BuildHasher8hash_one17h9a759f8b6910fab8E",
	"_ZN4core3ptr181drop_in_place$LT$hashbrown..scopeguard..ScopeGuard$LT$$RF$mut$u20$hashbrown..raw..RawTableInner$C$hashbrown..raw..RawTableInner..rehash_in_place..$u7b$$u7b$closure$u7d$$u7d$$GT$$GT$17h0ae65fdc0652ab46E",
	"_RINvYNtNtNtCsjrHSEGnQ3l9_3std4hash6random11RandomStateNtNtCsgEmfK2I1SDS_4core4hash11BuildHasher8hash_oneRNtNtCslNYArtu3iFV_5alloc6string6StringECs6GmmlP4bgsG_1r",
	"_RINvNtCsgEmfK2I1SDS_4core3ptr13drop_in_placeINtNtCsgvbsrvnw3yD_9hashbrown10scopeguard10ScopeGuardNtNtBL_3raw13RawTableInnerNCINvMsa_B1z_B1x_14prepare_resizeNtNtCslNYArtu3iFV_5alloc5alloc6GlobalE0EECs6GmmlP4bgsG_1r",
};
#endif

/* Real libstdc++ names from g++ 12 on std::map<std::string, std::vector<int>> (nm on the program). */
static const char *const rb_erase =
	"_ZNSt8_Rb_treeINSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEESt4pairIKS5_St6vectorIiSaIiEEESt10_"
	"Select1stISB_ESt4lessIS5_ESaISB_EE8_M_eraseEPSt13_Rb_tree_nodeISB_E";
static const char *const rb_emplace =
	"_ZNSt8_Rb_treeINSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEESt4pairIKS5_St6vectorIiSaIiEEESt10_"
	"Select1stISB_ESt4lessIS5_ESaISB_EE22_M_emplace_hint_uniqueIJRKSt21piecewise_construct_tSt5tupleIJOS5_EESM_"
	"IJEEEEESt17_Rb_tree_iteratorISB_ESt23_Rb_tree_const_iteratorISB_EDpOT_";
static const char *const realloc_insert =
	"_ZNSt6vectorIiSaIiEE17_M_realloc_insertIJiEEEvN9__gnu_cxx17__normal_iteratorIPiS1_EEDpOT_";
static const char *const lambda = "_ZNSt17_Function_handlerIFiiEZ4mainEUliE_E9_M_invokeERKSt9_Any_dataOi";
static const char *const endl = "_ZSt4endlIcSt11char_traitsIcEERSt13basic_ostreamIT_T0_ES6_@GLIBCXX_3.4";
static const char *const shift = "_ZNSolsEi@GLIBCXX_3.4";

static void test_bulk(void)
{
	const char *lib = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6";
	char cmd[512], mangled[4096], want[8192];
	FILE *names, *filt;
	int n = 0, bad = 0;

	if (access(lib, R_OK) != 0 || system("nm --version >/dev/null 2>&1") != 0) {
		printf("ok %d - # SKIP no %s or nm\n", ++tap_n, lib);
		return;
	}
	/* the same names, mangled and as c++filt demangles them, line by line */
	snprintf(cmd, sizeof cmd, "nm -D --defined-only %s | awk '$NF ~ /^_Z/ {print $NF}' | head -3000 > unit-demangle.names", lib);
	if (system(cmd) != 0 || system("c++filt -i < unit-demangle.names > unit-demangle.want") != 0) {
		printf("ok %d - # SKIP nm or c++filt failed\n", ++tap_n);
		return;
	}
	names = fopen("unit-demangle.names", "r");
	filt = fopen("unit-demangle.want", "r");
	while (names && filt && fgets(mangled, sizeof mangled, names) && fgets(want, sizeof want, filt)) {
		char *got;
		mangled[strcspn(mangled, "\n")] = '\0';
		want[strcspn(want, "\n")] = '\0';
		got = demangle_name(mangled);
		n++;
		if (!got || strcmp(got, want) != 0) {
			if (bad++ < 3)
				printf("#   %s\n#   got:  %s\n#   want: %s\n", mangled, got ? got : "(null)", want);
		}
		free(got);
	}
	if (names)
		fclose(names);
	if (filt)
		fclose(filt);
	unlink("unit-demangle.names");
	unlink("unit-demangle.want");
	ok(n > 1000 && bad == 0, "%d of libstdc++'s %d C++ names demangled as c++filt demangles them", n - bad, n);
}

int main(void)
{
	char want[8192];
	size_t i;
	bool have_filt = system("c++filt --version >/dev/null 2>&1") == 0;

	/* not mangled: left alone (C names, and their GCC clone suffixes, as perf leaves them) */
	ok(demangle_name("main") == NULL, "a C name is not mangled");
	ok(demangle_name("foo.cold") == NULL, "a C clone (foo.cold) is left as it is");
	ok(demangle_name("_init") == NULL, "_init is not mangled");
	ok(demangle_name("abs@plt") == NULL, "a C PLT name is not mangled");

	/* C++ against c++filt */
	if (have_filt) {
		const char *cxx[] = { rb_erase, rb_emplace, realloc_insert, lambda, endl, shift, "_Z3foov.cold",
				      "_ZNSo5writeEPKcl@plt", "_ZN12_GLOBAL__N_16helperEi" };
		for (i = 0; i < sizeof cxx / sizeof cxx[0]; i++) {
			cxxfilt("", cxx[i], want, sizeof want);
			is_demangled(cxx[i], want, cxx[i]);
		}
		test_bulk();
	} else {
		printf("ok %d - # SKIP c++filt (binutils) is not installed\n", ++tap_n);
	}
	/* ThinLTO's promoted locals are the same function: perf shows no ".llvm." */
	is_demangled("_ZN3foo3barEv.llvm.1234567", "foo::bar()", "a .llvm.N clone suffix is left out");

#ifdef HAVE_LIBIBERTY
	/* Rust, legacy and v0, against c++filt -s rust */
	for (i = 0; i < sizeof rust / sizeof rust[0]; i++) {
		if (!have_filt)
			break;
		cxxfilt("-s rust", rust[i], want, sizeof want);
		rust_plain(want);
		is_demangled(rust[i], want, rust[i]);
	}
	/* what perf prints for the name, hash and .llvm. suffix left out */
	is_demangled("_ZN71_$LT$core..hash..sip..Hasher$LT$S$GT$$u20$as$u20$core..hash..Hasher$GT$5write17h0123456789abcdefE"
		     ".llvm.6251234567890",
		     "<core::hash::sip::Hasher<S> as core::hash::Hasher>::write", "Rust legacy with .llvm.N, as perf names it");
	is_demangled("_RNvCs15kBYyAo9fc_7mycrate7example", "mycrate::example", "Rust v0");
#else
	printf("ok %d - # SKIP built without libiberty: no Rust demangling to check\n", ++tap_n);
#endif

	/* shortening: template arguments collapsed, parameters kept */
	{
		char *full = demangle_name(rb_erase), *full2 = demangle_name(rb_emplace), *full3 = demangle_name(realloc_insert);
		char *full4 = demangle_name(lambda), *full5 = demangle_name(endl), *full6 = demangle_name(shift);
		ok(full && strlen(full) > 500, "the map's _M_erase is %zu characters in full", full ? strlen(full) : 0);
		is_short(full, 0, "std::_Rb_tree<>::_M_erase(std::_Rb_tree_node<>*)", "std::map's _M_erase, short");
		is_short(full, DEMANGLE_SHORT_BARE, "std::_Rb_tree<>::_M_erase", "std::map's _M_erase, bare");
		is_short(full2, 0,
			 "std::_Rb_tree_iterator<> std::_Rb_tree<>::_M_emplace_hint_unique<>(std::_Rb_tree_const_iterator<>, "
			 "std::piecewise_construct_t const&, std::tuple<>&&, std::tuple<>&&)",
			 "_M_emplace_hint_unique, short (its return type stays)");
		is_short(full3, 0, "void std::vector<>::_M_realloc_insert<>(__gnu_cxx::__normal_iterator<>, int&&)",
			 "vector's _M_realloc_insert, short");
		is_short(full3, DEMANGLE_SHORT_BARE, "void std::vector<>::_M_realloc_insert<>", "... bare");
		is_short(full4, 0, "std::_Function_handler<>::_M_invoke(std::_Any_data const&, int&&)", "a lambda's handler");
		is_short(full5, 0, "std::basic_ostream<>& std::endl<>(std::basic_ostream<>&)@GLIBCXX_3.4", "std::endl");
		is_short(full6, 0, "std::ostream::operator<<(int)@GLIBCXX_3.4", "operator<< is not a template");
		is_short(full6, DEMANGLE_SHORT_BARE, "std::ostream::operator<<@GLIBCXX_3.4", "operator<<, bare");
		free(full);
		free(full2);
		free(full3);
		free(full4);
		free(full5);
		free(full6);
	}
	is_short("std::less<int>::operator()(int const&, int const&) const", DEMANGLE_SHORT_BARE, "std::less<>::operator()",
		 "operator() keeps its name");
	is_short("bool std::operator< <char>(std::basic_string<char> const&)", 0,
		 "bool std::operator< <char>(std::basic_string<> const&)", "operator< then a template: the operator stays");
	is_short("std::vector<int>::operator[](unsigned long)", DEMANGLE_SHORT_BARE, "std::vector<>::operator[]", "operator[]");
	is_short("(anonymous namespace)::helper(int)", DEMANGLE_SHORT_BARE, "(anonymous namespace)::helper",
		 "the anonymous namespace is not a parameter list");
	is_short("foo() [clone .cold]", DEMANGLE_SHORT_BARE, "foo", "bare drops clone suffixes, as perf does");
	is_short("foo() [clone .cold]", 0, "foo() [clone .cold]", "short keeps them");
	is_short("std::ostream::write(char const*, long)@plt", DEMANGLE_SHORT_BARE, "std::ostream::write@plt",
		 "bare keeps @plt");
	is_short("main", 0, "main", "a C name stays");
	is_short("a<b", 0, "a<b", "unbalanced brackets: the name stays");
	is_short("<core::hash::sip::Hasher<S> as core::hash::Hasher>::write", 0,
		 "<core::hash::sip::Hasher<> as core::hash::Hasher>::write", "Rust <T as Trait> stays, T's arguments go");
	is_short("<hashbrown::raw::RawTable<(alloc::string::String, alloc::vec::Vec<u32>)>>::reserve_rehash::<"
		 "hashbrown::map::make_hasher<alloc::string::String>::{closure#0}>",
		 0, "<hashbrown::raw::RawTable<>>::reserve_rehash::<>", "Rust generics after :: collapse");
	return done();
}

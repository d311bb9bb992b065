// fx-words.cpp: a real C++ workload for the profile tests: std::string, std::map, std::sort.
#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>
#include <random>
#include <cstdlib>

static std::vector<std::string> make_words(size_t n)
{
	std::mt19937 rng(42);
	std::vector<std::string> v;
	for (size_t i = 0; i < n; i++) {
		std::string w;
		size_t len = 3 + rng() % 8;
		for (size_t j = 0; j < len; j++)
			w += (char)('a' + rng() % 6);
		v.push_back(w);
	}
	return v;
}

static std::map<std::string, int> count_words(const std::vector<std::string> &v)
{
	std::map<std::string, int> m;
	for (const auto &w : v)
		m[w]++;
	return m;
}

int main(int argc, char **argv)
{
	auto words = make_words(argc > 1 ? (size_t)atol(argv[1]) : 200000);
	auto m = count_words(words);
	std::vector<std::pair<int, std::string>> top;
	for (auto &kv : m)
		top.push_back({kv.second, kv.first});
	std::sort(top.begin(), top.end());
	std::vector<std::string> sorted = words;
	std::sort(sorted.begin(), sorted.end());
	printf("%zu distinct, top %s %d, first %s\n", m.size(), top.back().second.c_str(), top.back().first, sorted[0].c_str());
	return 0;
}

// bench/alloc-words.cpp: word count into std::map<std::string, int>, words longer than the string's inline buffer (bench/alloc)
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>
int main(int argc, char **argv)
{
	size_t n = argc > 1 ? atol(argv[1]) : 2000000, k = argc > 2 ? atol(argv[2]) : 200000;
	std::mt19937 rng(7);
	std::map<std::string, int> m;
	std::vector<std::string> keep;
	for (size_t i = 0; i < n; i++) {
		std::string w = "a_rather_long_word_" + std::to_string(rng() % k);
		m[w]++;
		if (i % 1000 == 0)
			keep.push_back(w);
	}
	long sum = 0;
	for (auto &kv : m)
		sum += kv.second * (long)kv.first.size();
	printf("%zu words, %zu distinct, %ld\n", n, m.size(), sum);
	return 0;
}

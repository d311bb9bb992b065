/* fuzz/seed-elf.c: a tiny program that `make fuzz` compiles several ways into the elf target's seeds. */
#include <stdio.h>

static inline int seed_square(int x)
{
	return x * x;
}

__attribute__((noinline)) int seed_sum(int n)
{
	int i, s = 0;
	for (i = 0; i < n; i++)
		s += seed_square(i);
	return s;
}

int main(int argc, char **argv)
{
	printf("%d\n", seed_sum(argc * 10));
	return 0;
}

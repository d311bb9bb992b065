/* fx-unwind-lib.c: the middle of unit-unwind's chain main -> a -> b -> c, built without frame pointers
   (libfxunwind.so, -O2 -fomit-frame-pointer): only its CFI says where its caller's frame is. */

int fxunwind_b(int (*c)(int), int x);

/* Call c with a frame of our own on the stack, and do work after the call so that it is not a tail call.
   The attribute keeps it without a frame pointer even under CFLAGS=-fno-omit-frame-pointer (CI's ASan build). */
__attribute__((optimize("omit-frame-pointer"))) int fxunwind_b(int (*c)(int), int x)
{
	volatile int buf[16];
	int i, r;
	for (i = 0; i < 16; i++)
		buf[i] = x + i;
	r = c(x + buf[3]);
	return r + buf[x & 15];
}

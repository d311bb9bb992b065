# fx-py-callback.py: Python called back from C code outside the interpreter: libc's qsort, called
# through ctypes, calls the Python function cmp for every comparison, so a call chain runs
# main (Python) -> qsort (libc) -> cmp (Python).
# Usage: fx-py-callback.py N ROUNDS   (ROUNDS sorts of N ints)
import ctypes
import ctypes.util
import sys

libc = ctypes.CDLL(ctypes.util.find_library("c"))
CMP = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int))


def cmp(a, b):
    x = 0
    for i in range(30):  # CMP-BODY
        x += i
    return a[0] - b[0]


def main(n, rounds):
    f = CMP(cmp)
    for r in range(rounds):
        arr = (ctypes.c_int * n)(*[(i * 7919 + r) % n for i in range(n)])
        libc.qsort(arr, n, ctypes.sizeof(ctypes.c_int), f)  # QSORT
        assert all(arr[i] <= arr[i + 1] for i in range(n - 1))


main(int(sys.argv[1]), int(sys.argv[2]))

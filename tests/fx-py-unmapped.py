# fx-py-unmapped.py: a CPython whose executable is not in its maps, as in the middle of its execve (the
# kernel names the executable, and perf reports the exec, before it maps it), for t-pyread.sh. Run with
# LD_BIND_NOW=1: the mapping replaced holds what the lazy binding of the dynamic loader would read.
import ctypes
import os
import time

exe = os.readlink("/proc/self/exe")
for line in open("/proc/self/maps"):
    f = line.split()
    if len(f) >= 6 and f[5] == exe and int(f[2], 16) == 0:
        start, end = (int(x, 16) for x in f[0].split("-"))
        break
libc = ctypes.CDLL(None)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
# PROT_READ, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS: the file's first page range is no longer the file
libc.mmap(start, end - start, 1, 0x32, -1, 0)
print("ready", os.getpid(), flush=True)
time.sleep(60)

#!/usr/bin/env python3
# fuzz/seed-alloc.py DIR: seed records for the alloc target (fuzz/alloc-fuzz.c: type, claimed size, body;
# the harness adds the stamps), as libptime-alloc.so writes them for a CPython process: its process
# record, a mapping, a code object, a sample with native and Python frames, and its free.
import os, struct, sys
def rec(kind, body):
    body += b"\0" * (-len(body) % 8)
    return struct.pack("<HH", kind, 8 + len(body)) + body
exe = b"/usr/bin/python3.11"
proc = rec(2, struct.pack("<IIQQIIII", 100, 1, 4096, 1000, 1, 0, len(exe), 0) + exe)
mapr = rec(5, struct.pack("<IIQQQQQ", len(exe), 1, 0x400000, 0x500000, 0, 8, 1234) + exe)
code = rec(6, struct.pack("<QIiHHI", 0x7f0000001000, 0x030b0000, 3, 8, 5, 0) + b"/tmp/x.pyfunc\0")
frames = [0x401234, 0x405678]
py = [(0x7f0000001000, 4, 1)]
alloc = rec(3, struct.pack("<IHHQQQQQQHHHH", 100, 1, len(frames), 1, 0x7f00dead0000, 30001, 30001, 1 << 32, 2000,
                           len(py), 0, 0, 0) + b"".join(struct.pack("<Q", f) for f in frames) +
            b"".join(struct.pack("<QiI", *p) for p in py))
free = rec(4, struct.pack("<IHHQQQ", 100, 16, 0, 1, 0x7f00dead0000, 3000))
os.makedirs(sys.argv[1], exist_ok=True)
open(os.path.join(sys.argv[1], "python"), "wb").write(proc + mapr + code + alloc + free)
open(os.path.join(sys.argv[1], "proc-only"), "wb").write(proc)

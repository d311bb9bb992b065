#!/usr/bin/env python3
# fuzz/seed-ring.py DIR: seed records for the ring target, as the kernel writes them for a sampled
# /bin/true: comm (exec), mmap2 of the executable, fork, samples (with and without a chain), exit.
import os, struct, sys
SAMPLE, MMAP2, COMM, FORK, EXIT, LOST = 9, 10, 3, 7, 4, 2
def rec(kind, misc, body, t):
    body += struct.pack("<IIQ", 100, 100, t)          # sample_id: pid, tid, time
    return struct.pack("<IHH", kind, misc, 8 + len(body)) + body
def sample(ip, t, chain=None):
    body = struct.pack("<QIIQ", ip, 100, 100, t)
    if chain is not None:
        body += struct.pack("<Q", len(chain)) + b"".join(struct.pack("<Q", c) for c in chain)
    return struct.pack("<IHH", SAMPLE, 2, 8 + len(body)) + body
def name(s):
    b = s.encode() + b"\0"
    return b + b"\0" * (-len(b) % 8)
exe = os.path.realpath("/bin/true")
base = 0x555555554000
recs = [rec(COMM, 0x2000, struct.pack("<II", 100, 100) + name("true"), 1),
        rec(MMAP2, 2, struct.pack("<IIQQQIIQQII", 100, 100, base, 0x10000, 0, 8, 1, 12345, 0, 5, 2) + name(exe), 2),
        rec(FORK, 0, struct.pack("<IIIIQ", 101, 100, 101, 100, 3), 3)]
plain = b"".join(recs + [sample(base + 0x1000 + i * 16, 10 + i) for i in range(8)] + [rec(EXIT, 0, struct.pack("<IIIIQ", 100, 100, 100, 100, 30), 30)])
chain = b"".join(recs + [sample(base + 0x1100, 10 + i, [0xfffffffffffffe00, base + 0x1100, base + 0x1200, 0x7fff00001234]) for i in range(4)])
os.makedirs(sys.argv[1], exist_ok=True)
open(os.path.join(sys.argv[1], "plain"), "wb").write(b"\0" + plain)
open(os.path.join(sys.argv[1], "chain"), "wb").write(b"\1" + chain)
open(os.path.join(sys.argv[1], "chain-inline"), "wb").write(b"\3" + chain)
# inputs that once tripped the fuzz build's sanitizers: no record at all (a NULL memcpy), and a
# sample record shorter than its own fields
open(os.path.join(sys.argv[1], "no-records"), "wb").write(b"\0")
open(os.path.join(sys.argv[1], "short-sample"), "wb").write(b"\1\t\0\2\0\x18\0\0\0")

# tests/fx-py-reuse.py: two modules of one shape (ra.py and rb.py: same text, names of one length) imported
# one after the other into a temporary directory, the first dropped before the second is imported, so that
# CPython's allocator may give rb's code object, and its file name string, the addresses of ra's. Each module's
# hot() spends a fixed CPU time (ra 0.3 s, rb 0.9 s by default; time.thread_time, not iterations); the file
# named by the first argument gets each module's CPU time and whether rb's code object, file name, name
# and line table took the addresses of ra's.
import gc
import os
import shutil
import sys
import tempfile

# hot()'s sixteen assignments give its line table a size that 3.11-3.13 were seen to give to the next
# table of its size too (the code object, file name and name strings are reused without them)
SOURCE = (
    "import time\n\n\ndef hot(seconds):\n"
    + "".join("    p%d = %d\n" % (i, i) for i in range(16))
    + """    t0 = time.thread_time()
    s = 0
    while time.thread_time() - t0 < seconds:
        for i in range(2000):
            s += i * i
    return time.thread_time() - t0
"""
)


def ids(code):
    """What ptime tells a code object by: its address and those of its file name, name and line table."""
    table = code.co_linetable if sys.version_info >= (3, 10) else code.co_lnotab
    return (id(code), id(code.co_filename), id(code.co_name), id(table))


def main():
    out = sys.argv[1]
    ta = float(sys.argv[2]) if len(sys.argv) > 2 else 0.3
    tb = float(sys.argv[3]) if len(sys.argv) > 3 else 0.9
    top = tempfile.mkdtemp(prefix="fx-py-reuse.")
    # The file name strings must share an allocator block: pymalloc's (at most 512 bytes), in a size class
    # few other objects use (past 200 bytes), at a size that CPython 3.11-3.13 were seen to give to the
    # next string of its size (6 mod 16; at 0, 12 or 14 mod 16 the block went elsewhere): padding
    # directories make the length.
    base = sys.getsizeof(os.path.join(top, "ra.py"))
    size = max(358, base + 4)
    size += (6 - size) % 16
    pad = size - base - 2
    d = top
    if size <= 512:
        d = os.path.join(top, "d" * (pad // 2), "d" * (pad - pad // 2))
        os.makedirs(d)
    try:
        for name in ("ra", "rb"):
            with open(os.path.join(d, name + ".py"), "w") as f:
                f.write(SOURCE)
        sys.dont_write_bytecode = True  # compiled from source both times: no .pyc, whose strings differ
        sys.path.insert(0, d)
        import ra

        spent_a = ra.hot(ta)
        a = ids(ra.hot.__code__)
        # every reference to ra goes: the module, its dict and function are a cycle, collected here
        del ra
        del sys.modules["ra"]
        gc.collect()
        import rb

        b = ids(rb.hot.__code__)
        spent_b = rb.hot(tb)
    finally:
        shutil.rmtree(top)
    with open(out, "w") as f:
        f.write("ra %.6f\nrb %.6f\n" % (spent_a, spent_b))
        f.write("reused %d\n" % (a == b))


main()

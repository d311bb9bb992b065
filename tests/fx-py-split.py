# fx-py-split.py: two functions whose CPU times are 3:1, on known lines, run in one thread, in two
# threads, or in the parent and a multiprocessing child; each measures its own CPU time
# (time.thread_time) and the totals are written to the file named by the second argument.
import sys
import threading
import time


def heavy(n):
    s = 0
    for i in range(n):  # HEAVY-FOR
        s += i * i  # HEAVY-BODY
    return s


def light(n):
    s = 0
    for i in range(n):  # LIGHT-FOR
        s += i * i  # LIGHT-BODY
    return s


def work(fn, chunks, n, out, key):
    t0 = time.thread_time()
    for _ in range(chunks):
        fn(n)
    out[key] = time.thread_time() - t0


def child(chunks, n, path):
    out = {}
    work(light, chunks, n, out, "light")
    with open(path, "w") as f:
        f.write("%.6f\n" % out["light"])


def main():
    mode, path = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 200000
    chunks = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    out = {}
    if mode == "one":
        t0 = time.thread_time()
        th = tl = 0.0
        for _ in range(chunks):
            a = time.thread_time()
            heavy(3 * n)
            b = time.thread_time()
            light(n)
            th += b - a
            tl += time.thread_time() - b
        out = {"heavy": th, "light": tl}
    elif mode == "threads":
        a = threading.Thread(target=work, args=(heavy, chunks, 3 * n, out, "heavy"))
        b = threading.Thread(target=work, args=(light, chunks, n, out, "light"))
        a.start()
        b.start()
        a.join()
        b.join()
    else:
        import multiprocessing
        ctx = multiprocessing.get_context(mode)
        p = ctx.Process(target=child, args=(chunks, n, path + ".child"))
        p.start()
        work(heavy, chunks, 3 * n, out, "heavy")
        p.join()
        with open(path + ".child") as f:
            out["light"] = float(f.read())
    with open(path, "w") as f:
        f.write("heavy %.6f\nlight %.6f\n" % (out["heavy"], out["light"]))


if __name__ == "__main__":
    main()

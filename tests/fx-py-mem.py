# Allocations of known size from two Python lines, 3:1 (t-memory.sh): in the main thread, in a second
# thread, in a forked child, and through an extension's C code. Each bytearray is one block of n + 1
# bytes (plus its 56-byte object, a block of its own).
import os
import sys
import threading
import zlib

N = int(sys.argv[2]) if len(sys.argv) > 2 else 2000


def three():
    return bytearray(30000)  # SITE three


def one():
    return bytearray(10000)  # SITE one


def loop():
    for _ in range(N):
        three()
        one()


def packed():
    return [zlib.compress(bytes(100000), 1) for _ in range(20)]  # SITE packed


mode = sys.argv[1] if len(sys.argv) > 1 else "main"
if mode == "main":
    loop()
elif mode == "thread":
    t = threading.Thread(target=loop)
    t.start()
    t.join()
elif mode == "fork":
    pid = os.fork()
    if pid == 0:
        loop()
        os._exit(0)
    os.waitpid(pid, 0)
elif mode == "zlib":
    packed()

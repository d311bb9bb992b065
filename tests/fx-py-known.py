# tests/fx-py-known.py: a thread that loops in worker() and a main thread that loops in main_loop(), on
# known lines (the ones marked), for t-pyread.sh; main_loop prints "ready PID TID" once the worker runs, then
# both loop until killed.
import os
import sys
import threading
import time

tid = [0]


def worker():
    tid[0] = threading.get_native_id() if hasattr(threading, "get_native_id") else -1
    x = 0
    while True:
        x = x + 1  # WORKER-LINE


def main_loop():
    sys.stdout.write("ready %d %d\n" % (os.getpid(), tid[0]))
    sys.stdout.flush()
    y = 0
    while True:
        y = y + 1  # MAIN-LINE


t = threading.Thread(target=worker)
t.daemon = True
t.start()
while not tid[0]:
    time.sleep(0.01)
main_loop()

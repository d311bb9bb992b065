# tests/fx-py-known.py: a thread that loops in worker() and a main thread that loops in main_loop(), on
# known lines (the ones marked), for t-pyread.sh; prints "ready PID TID" once both run, then runs until killed.
import os
import sys
import threading
import time

tid = [0]


def worker():
    tid[0] = threading.get_native_id() if hasattr(threading, "get_native_id") else 0
    x = 0
    while True:
        x = x + 1  # WORKER-LINE


def main_loop():
    y = 0
    while True:
        y = y + 1  # MAIN-LINE


t = threading.Thread(target=worker)
t.daemon = True
t.start()
while not tid[0]:
    time.sleep(0.01)
sys.stdout.write("ready %d %d\n" % (os.getpid(), tid[0]))
sys.stdout.flush()
main_loop()

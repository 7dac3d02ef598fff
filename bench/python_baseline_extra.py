#!/usr/bin/env python3
"""Extra CPython reference figures, beside ../shared/bench/python_baseline.py (same output format).

Run:  python3 python_baseline_extra.py [--quick]
  {"workload": "queue_1mib", "items": 2000, "seconds": ..., "per_second": ..., "payload_bytes": 1048576, "mb_per_second": ...}
"""
import json, multiprocessing as mp, os, sys, time

QUICK = "--quick" in sys.argv
N_1MIB = 200 if QUICK else 2_000


def emit(workload, items, seconds, **extra):
    print(json.dumps({"workload": workload, "items": items, "seconds": round(seconds, 4),
                      "per_second": round(items / seconds, 1) if seconds else None, **extra}), flush=True)


def _producer(q, n, size):
    item = os.urandom(size)
    for _ in range(n):
        q.put(item)
    q.put(None)


def _consumer(q):
    while q.get() is not None:
        pass


def queue_1mib(ctx):
    size = 1 << 20
    q = ctx.Queue()
    c = ctx.Process(target=_consumer, args=(q,))
    p = ctx.Process(target=_producer, args=(q, N_1MIB, size))
    c.start(); t = time.perf_counter(); p.start(); p.join(); c.join()
    dt = time.perf_counter() - t
    emit("queue_1mib", N_1MIB, dt, payload_bytes=size, mb_per_second=round(N_1MIB * size / (1 << 20) / dt, 1))


if __name__ == "__main__":
    queue_1mib(mp.get_context("spawn"))

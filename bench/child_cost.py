#!/usr/bin/env python3
"""CPython counterpart of `Multiproc.Bench --child-cost`: python3 child_cost.py empty|ticket N starts and joins N spawn
children one after the other (run it under perf stat; N=0 gives the parent's own cost)."""
import multiprocessing as mp, sys, json, os, tempfile
def _noop(): pass
def _buy(lock, path):
    with lock:
        with open(path) as f: d = json.load(f)
        if d["count"] > 0:
            d["count"] -= 1
            with open(path, "w") as f: json.dump(d, f)
if __name__ == "__main__":
    kind, n = sys.argv[1], int(sys.argv[2])
    ctx = mp.get_context("spawn")
    path = os.path.join(tempfile.mkdtemp(), "ticket.json")
    with open(path, "w") as f: json.dump({"count": 1000000}, f)
    lock = ctx.Lock()
    for _ in range(n):
        p = ctx.Process(target=_noop) if kind == "empty" else ctx.Process(target=_buy, args=(lock, path))
        p.start(); p.join()

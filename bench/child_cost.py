#!/usr/bin/env python3
"""CPython counterpart of `Multiproc.Bench --child-cost`: python3 child_cost.py empty|ticket N [--at-once] starts and
joins N spawn children one after the other (run it under perf stat; N=0 gives the parent's own cost). With --at-once it
starts all N, then joins all (ticket_50's shape; the file then holds 10 tickets, as ticket_50's). At the end it prints
the children's own CPU and page faults per child (getrusage(RUSAGE_CHILDREN)) on stderr."""
import multiprocessing as mp, sys, json, os, tempfile, time, resource
def _noop(): pass
def _buy(lock, path):
    with lock:
        with open(path) as f: d = json.load(f)
        if d["count"] > 0:
            d["count"] -= 1
            with open(path, "w") as f: json.dump(d, f)
if __name__ == "__main__":
    kind, n = sys.argv[1], int(sys.argv[2])
    at_once = sys.argv[3:] == ["--at-once"]
    ctx = mp.get_context("spawn")
    path = os.path.join(tempfile.mkdtemp(), "ticket.json")
    with open(path, "w") as f: json.dump({"count": 10 if at_once else 1000000}, f)
    lock = ctx.Lock()
    make = lambda: ctx.Process(target=_noop) if kind == "empty" else ctx.Process(target=_buy, args=(lock, path))
    t = time.perf_counter()
    if at_once:
        ps = [make() for _ in range(n)]
        for p in ps: p.start()
        started = (time.perf_counter() - t) * 1e3
        for p in ps: p.join()
    else:
        for _ in range(n):
            p = make()
            p.start(); p.join()
    wall = (time.perf_counter() - t) * 1e3
    if not at_once: started = wall
    if n > 0:
        u = resource.getrusage(resource.RUSAGE_CHILDREN)
        with open(path) as f: left = json.load(f)["count"]
        print(f"cpython {kind} x{n}{' at once' if at_once else ''}: children's own CPU {(u.ru_utime + u.ru_stime) * 1e3 / n:.1f} "
              f"ms/child (user {u.ru_utime * 1e3 / n:.1f}), page faults {u.ru_minflt / n:.0f}/child, wall {wall:.0f} ms "
              f"({wall / n:.1f} ms/child), starts done at {started:.0f} ms, tickets left {left}", file=sys.stderr)

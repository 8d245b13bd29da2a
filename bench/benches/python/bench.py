"""The core workloads of benches/ on CPython asyncio (and uvloop when installed).

Each workload mirrors one of benches/common/workloads.rs (which the criterion groups and the
comparison command run), with the same sizes, and prints one JSON line per (workload,
runtime): the median over five rounds on one loop after a warm-up round, in nanoseconds per
operation. `benches/python/run.sh` installs uvloop into a virtual
environment and runs this for both loops; the comparison command reads the lines.

Usage: python3 bench.py [asyncio|uvloop] [--quick]
"""

import asyncio
import json
import statistics
import sys
import time

QUICK = "--quick" in sys.argv
SCALE = 10 if QUICK else 1


async def spawn_many(n=100_000 // SCALE):
    async def trivial(i):
        return i

    tasks = [asyncio.create_task(trivial(i)) for i in range(n)]
    for t in tasks:
        await t
    return n


async def yield_one(n=100_000 // SCALE):
    for _ in range(n):
        await asyncio.sleep(0)
    return n


async def yield_many(tasks=100, yields=1_000 // SCALE):
    async def worker():
        for _ in range(yields):
            await asyncio.sleep(0)

    await asyncio.gather(*(worker() for _ in range(tasks)))
    return tasks * yields


async def chained_spawn(depth=10_000 // SCALE):
    async def chain(n):
        if n == 0:
            return 0
        return await asyncio.create_task(chain(n - 1))

    await asyncio.create_task(chain(depth))
    return depth


async def ping_pong(rounds=100_000 // SCALE):
    ping, pong = asyncio.Queue(1), asyncio.Queue(1)

    async def ponger():
        for _ in range(rounds):
            await pong.put(await ping.get())

    t = asyncio.create_task(ponger())
    for i in range(rounds):
        await ping.put(i)
        await pong.get()
    await t
    return rounds


async def bounded_queue(items=1_000_000 // SCALE):
    q = asyncio.Queue(64)

    async def producer():
        for i in range(items):
            await q.put(i)

    t = asyncio.create_task(producer())
    for _ in range(items):
        await q.get()
    await t
    return items


async def timers_armed_cancelled(n=100_000 // SCALE):
    loop = asyncio.get_running_loop()
    for _ in range(n):
        loop.call_later(3600, lambda: None).cancel()
    return n


async def call_soon(n=100_000 // SCALE):
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    count = 0

    def tick():
        nonlocal count
        count += 1
        if count == n:
            done.set_result(None)

    for _ in range(n):
        loop.call_soon(tick)
    await done
    return n


async def gather(n=10_000 // SCALE):
    async def trivial(i):
        return i

    out = await asyncio.gather(*(trivial(i) for i in range(n)))
    assert len(out) == n
    return n


async def lock_contention(tasks=100, rounds=100 // SCALE):
    lock = asyncio.Lock()

    async def worker():
        for _ in range(rounds):
            async with lock:
                await asyncio.sleep(0)

    await asyncio.gather(*(worker() for _ in range(tasks)))
    return tasks * rounds


WORKLOADS = [
    ("spawn_many_local", spawn_many),
    ("yield_one", yield_one),
    ("yield_many", yield_many),
    ("chained_spawn", chained_spawn),
    ("ping_pong", ping_pong),
    ("bounded_queue", bounded_queue),
    ("timers_armed_cancelled", timers_armed_cancelled),
    ("call_soon", call_soon),
    ("gather", gather),
    ("lock_contention", lock_contention),
]


def main():
    runtime = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "asyncio"
    if runtime == "uvloop":
        import uvloop

        new_loop = uvloop.new_event_loop
    else:
        new_loop = asyncio.new_event_loop
    for name, workload in WORKLOADS:
        # One loop per workload, a warm-up round, then five measured rounds: what the Rust
        # side of the comparison does (examples/compare.rs).
        loop = new_loop()
        loop.run_until_complete(workload())
        rounds = []
        for _ in range(5):
            start = time.perf_counter_ns()
            ops = loop.run_until_complete(workload())
            rounds.append((time.perf_counter_ns() - start) / ops)
        loop.close()
        print(json.dumps({"workload": name, "runtime": runtime, "ns_per_op": statistics.median(rounds)}))
        sys.stdout.flush()


if __name__ == "__main__":
    main()

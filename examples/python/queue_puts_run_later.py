# Seed 003, "Queues". The seed's snippet is a fragment (`...` and `do_something`); this
# completes it. Putting through ensure_future enqueues nothing until the tasks run: "the
# items would get put into the queue at their next chance to run".
import asyncio

async def main():
    q = asyncio.Queue()
    asyncio.ensure_future(q.put(1))
    asyncio.ensure_future(q.put(2))
    asyncio.ensure_future(q.put(3))
    print(f"queued right after ensure_future: {q.qsize()}")

    await asyncio.sleep(0)  # the put tasks get their chance to run
    print(f"queued after one turn: {q.qsize()}")

    for _ in range(3):
        print(f"do_something({await q.get()})")

asyncio.run(main())

# A cancel delivered at a queue or lock await loses nothing: an item put for a cancelled
# getter stays in the queue, a lock released to a cancelled waiter goes to the next one.
# Mirrored by tests/core_tests/cancel_delivery.rs.
import asyncio


async def main():
    q = asyncio.Queue()

    async def consumer():
        try:
            item = await q.get()
            print("got", item)
        except asyncio.CancelledError:
            print("consumer cancelled, queue size", q.qsize())
            raise

    c = asyncio.create_task(consumer())
    await asyncio.sleep(0)
    q.put_nowait(1)
    c.cancel()
    try:
        await c
    except asyncio.CancelledError:
        print("item still there:", q.get_nowait())

    lock = asyncio.Lock()
    await lock.acquire()

    async def waiter(name):
        try:
            async with lock:
                print(name, "has the lock")
        except asyncio.CancelledError:
            print(name, "cancelled while waiting")
            raise

    a = asyncio.create_task(waiter("a"))
    b = asyncio.create_task(waiter("b"))
    await asyncio.sleep(0)
    lock.release()
    a.cancel()
    await asyncio.gather(a, b, return_exceptions=True)
    print("lock free:", not lock.locked())


asyncio.run(main())

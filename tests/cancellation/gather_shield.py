# A cancelled gather cancels its children and completes after them; shield keeps the inner
# task running, and that task stays awaitable by anyone holding it.
# Mirrored by tests/core_tests/cancel_structured.rs.
import asyncio


async def child(name, delay):
    try:
        await asyncio.sleep(delay)
        print(name, "done")
        return name
    except asyncio.CancelledError:
        print(name, "cancelled, cleaning up")
        await asyncio.sleep(0.01)
        print(name, "cleanup finished")
        raise


async def gathering():
    try:
        await asyncio.gather(child("g1", 10), child("g2", 10))
    except asyncio.CancelledError:
        print("gathering task sees the cancel after the children")
        raise


async def main():
    g = asyncio.create_task(gathering())
    await asyncio.sleep(0.001)
    g.cancel()
    try:
        await g
    except asyncio.CancelledError:
        print("gathering task cancelled", g.cancelled())
    inner = asyncio.create_task(child("s", 0.02))

    async def shielded():
        return await asyncio.shield(inner)

    o = asyncio.create_task(shielded())
    await asyncio.sleep(0)
    o.cancel()
    try:
        await o
    except asyncio.CancelledError:
        print("outer cancelled, inner still running:", not inner.done())
    print("inner result", await inner, await inner)


asyncio.run(main())

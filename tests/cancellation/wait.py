# A task cancelled while it awaits asyncio.wait() observes the cancel there; wait does not
# cancel the tasks it watches, which run on and stay awaitable.
# Mirrored by tests/core_tests/cancel_structured.rs.
import asyncio


async def main():
    kids = [asyncio.create_task(asyncio.sleep(0.01, result=i)) for i in range(2)]

    async def waiter():
        try:
            await asyncio.wait(kids)
        except asyncio.CancelledError:
            print("waiter cancelled; children still running:", [not k.done() for k in kids])
            raise

    w = asyncio.create_task(waiter())
    await asyncio.sleep(0)
    w.cancel()
    try:
        await w
    except asyncio.CancelledError:
        print("waiter cancelled", w.cancelled())
    print("children results", [await k for k in kids])


asyncio.run(main())

# Done callbacks and the awaiter of a cancelled task run in registration order: a callback
# added before the awaiter started awaiting runs before it, one added after runs after it.
# Mirrored by tests/core_tests/cancel_delivery.rs.
import asyncio


async def work():
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        await asyncio.sleep(0)
        print("cleanup done")
        raise


async def main():
    t = asyncio.create_task(work())
    t.add_done_callback(lambda _: print("callback 1"))

    async def awaiter():
        try:
            await t
        except asyncio.CancelledError:
            print("awaiter resumed")

    a = asyncio.create_task(awaiter())
    await asyncio.sleep(0)
    t.add_done_callback(lambda _: print("callback 2"))
    t.cancel()
    await a


asyncio.run(main())

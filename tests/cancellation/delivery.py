# Delivery: a cancel reaches the task at its await as a value it can catch, clean up
# after with awaits, then re-raise or swallow. Mirrored by tests/core_tests/cancel_delivery.rs.
import asyncio


async def worker():
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError as e:
        print("worker caught", e.args, asyncio.current_task().cancelling())
        await asyncio.sleep(0.01)
        print("worker cleaned up")
        raise


async def swallow():
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        print("swallow caught, cancelling", asyncio.current_task().cancelling())
        print("uncancel ->", asyncio.current_task().uncancel())
        return "swallowed"


async def main():
    t = asyncio.create_task(worker())
    await asyncio.sleep(0)
    print("cancel ->", t.cancel("bye"), t.cancel(), t.cancelling())
    try:
        await t
    except asyncio.CancelledError as e:
        print("awaiter sees", e.args, t.cancelled())
    s = asyncio.create_task(swallow())
    await asyncio.sleep(0)
    s.cancel()
    print("swallow result", await s, s.cancelled(), s.cancelling())
    print("cancel done ->", s.cancel())


asyncio.run(main())

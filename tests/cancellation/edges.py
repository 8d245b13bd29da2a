# The edges of delivery: cancel before the first step, self-cancel, a second cancel during
# cleanup, and a task that never catches. Mirrored by tests/core_tests/cancel_delivery.rs.
import asyncio


async def body():
    print("never printed")


async def self_cancel():
    asyncio.current_task().cancel()
    print("self-cancel requested, still running")
    try:
        await asyncio.sleep(0)
    except asyncio.CancelledError:
        print("self-cancel delivered")
        raise


async def twice():
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        print("first delivered")
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            print("second delivered during cleanup", asyncio.current_task().cancelling())
            raise


async def never_catches():
    try:
        print("working")
        await asyncio.sleep(10)
    finally:
        print("finally runs")


async def main():
    b = asyncio.create_task(body())
    b.cancel()
    try:
        await b
    except asyncio.CancelledError:
        print("cancelled before its first step", b.cancelled())
    sc = asyncio.create_task(self_cancel())
    try:
        await sc
    except asyncio.CancelledError:
        print("self-cancelled", sc.cancelled())
    tw = asyncio.create_task(twice())
    await asyncio.sleep(0)
    tw.cancel()
    await asyncio.sleep(0)
    tw.cancel()
    try:
        await tw
    except asyncio.CancelledError:
        print("cancelled twice", tw.cancelled())
    n = asyncio.create_task(never_catches())
    await asyncio.sleep(0)
    n.cancel()
    try:
        await n
    except asyncio.CancelledError:
        print("stopped", n.cancelled())


asyncio.run(main())

# Awaiting passes a cancel on: the inner task is cancelled with the outer's message, and
# the outer observes its own cancel only once the inner one has finished its cleanup.
# Mirrored by tests/core_tests/cancel_delivery.rs.
import asyncio


async def inner_work():
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError as e:
        print("inner caught", e.args)
        await asyncio.sleep(0.01)
        print("inner cleaned up")
        raise


async def swallowing_inner():
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        print("inner swallows")
        return "inner value"


async def outer(inner):
    try:
        return await inner
    except asyncio.CancelledError as e:
        print("outer caught", e.args, "inner done:", inner.done())
        raise


async def main():
    inner = asyncio.create_task(inner_work())
    o = asyncio.create_task(outer(inner))
    await asyncio.sleep(0)
    o.cancel("stop")
    try:
        await o
    except asyncio.CancelledError as e:
        print("main sees outer cancelled", o.cancelled(), "inner cancelled", inner.cancelled())
    inner = asyncio.create_task(swallowing_inner())
    o = asyncio.create_task(outer(inner))
    await asyncio.sleep(0)
    o.cancel()
    print("outer got", await o, "cancelling", o.cancelling())


asyncio.run(main())

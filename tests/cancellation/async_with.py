# An async context manager's exit awaits while a cancel passes through, and may suppress
# it; an async generator's cleanup awaits on aclose() and when closed after an early break.
# Mirrored by tests/core_tests/cancel_shutdown.rs.
import asyncio


class Connection:
    def __init__(self, suppress):
        self.suppress = suppress

    async def __aenter__(self):
        print("connecting")
        await asyncio.sleep(0.01)
        print("connected")
        return self

    async def __aexit__(self, et, exc, tb):
        print("closing politely after", et.__name__ if et else None)
        await asyncio.sleep(0.01)
        print("closed")
        return self.suppress and et is asyncio.CancelledError


async def use(suppress):
    async with Connection(suppress):
        await asyncio.sleep(10)
    print("after the block: the cancel was suppressed")
    return "value"


async def numbers(name):
    try:
        for i in range(10):
            yield i
    finally:
        await asyncio.sleep(0.01)
        print(name, "cleaned up after an await")


async def main():
    async with Connection(False):
        print("inside")
    t = asyncio.create_task(use(False))
    await asyncio.sleep(0.02)
    t.cancel()
    try:
        await t
    except asyncio.CancelledError:
        print("task cancelled", t.cancelled())
    t = asyncio.create_task(use(True))
    await asyncio.sleep(0.02)
    t.cancel()
    print("task returned", await t, "cancelling", t.cancelling())
    gen = numbers("closed gen")
    print("first", await anext(gen))
    await gen.aclose()
    print("after aclose")
    async for i in numbers("broken-out gen"):
        if i == 1:
            break
    print("after break")
    await asyncio.sleep(0.05)


asyncio.run(main())

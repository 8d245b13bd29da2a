# A task awaited many times: several tasks await it, gather lists it twice, its result is
# read again and again, and an error comes back to every awaiter.
# Mirrored by tests/core_tests/cancel_structured.rs.
import asyncio


async def work(value, fail=False):
    await asyncio.sleep(0.01)
    if fail:
        raise ValueError(value)
    return value


async def main():
    t = asyncio.create_task(work(42))

    async def waiter(n):
        print("waiter", n, "got", await t)

    await asyncio.gather(waiter(1), waiter(2))
    print("gather twice", await asyncio.gather(t, t))
    print("result again", t.result(), t.result())
    f = asyncio.create_task(work("bad", fail=True))
    for n in (1, 2):
        try:
            await f
        except ValueError as e:
            print("awaiter", n, "sees", repr(e))


asyncio.run(main())

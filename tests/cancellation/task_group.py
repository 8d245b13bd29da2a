# Structured concurrency: a TaskGroup cancelled from outside cancels its children and waits
# for their cleanup before the cancel reaches its owner; a failing child cancels its
# siblings and the body, and the group waits for them before reporting.
# Mirrored by tests/core_tests/cancel_structured.rs.
import asyncio


async def child(name, delay):
    try:
        await asyncio.sleep(delay)
        print(name, "done")
    except asyncio.CancelledError:
        print(name, "cancelled, cleaning up")
        await asyncio.sleep(0.01)
        print(name, "cleanup finished")
        raise


async def owner():
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(child("a", 10))
            tg.create_task(child("b", 10))
            print("body waits")
            await asyncio.sleep(10)
    except asyncio.CancelledError:
        print("owner sees the cancel after its children")
        raise


async def failing():
    await asyncio.sleep(0.001)
    raise ValueError("boom")


async def failing_group():
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(child("c", 10))
            tg.create_task(failing())
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                print("body cancelled by the failure")
                await asyncio.sleep(0.01)
                print("body cleanup done")
                raise
    except* ValueError as eg:
        print("group failed", [str(e) for e in eg.exceptions],
              "cancelling", asyncio.current_task().cancelling())


async def main():
    t = asyncio.create_task(owner())
    await asyncio.sleep(0.001)
    t.cancel()
    try:
        await t
    except asyncio.CancelledError:
        print("owner task cancelled", t.cancelled())
    await failing_group()


asyncio.run(main())

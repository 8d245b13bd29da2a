# wait_for and timeout cancel the inner work, wait for its cleanup, then raise TimeoutError
# caused by the cancel; an outside cancel arriving meanwhile stays a cancel.
# Mirrored by tests/core_tests/cancel_structured.rs.
import asyncio


async def work(name):
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        print(name, "cancelled, cleaning up")
        await asyncio.sleep(0.01)
        print(name, "cleanup finished")
        raise


async def swallowing():
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        print("work swallows the timeout's cancel")
        return "value anyway"


async def outside_cancelled():
    try:
        async with asyncio.timeout(0.01):
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                asyncio.current_task().cancel()  # an outside cancel arrives meanwhile
                raise
    except TimeoutError:
        print("never: the outside cancel stays a cancel")


async def main():
    try:
        async with asyncio.timeout(0.01):
            await work("timeout body")
    except TimeoutError as e:
        print("TimeoutError after cleanup, cause", type(e.__cause__).__name__,
              "cancelling", asyncio.current_task().cancelling())
    try:
        await asyncio.wait_for(work("wait_for inner"), 0.01)
    except TimeoutError as e:
        print("wait_for TimeoutError, cause", type(e.__cause__).__name__)
    async with asyncio.timeout(0.01) as cm:
        r = await swallowing()
    print("timeout body returned", r, "expired", cm.expired())
    t = asyncio.create_task(outside_cancelled())
    try:
        await t
    except asyncio.CancelledError:
        print("task cancelled", t.cancelled())


asyncio.run(main())

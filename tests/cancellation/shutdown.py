# asyncio.run()'s shutdown: the tasks left are cancelled and their cleanup runs to the
# end, awaits included; an async generator left open is closed (its cleanup awaits); a
# task failing during its cleanup is reported through the exception handler.
# Mirrored by tests/core_tests/cancel_shutdown.rs.
import asyncio


async def worker(name):
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        print(name, "cancelled at shutdown, saying goodbye")
        await asyncio.sleep(0.01)
        print(name, "goodbye sent")
        raise


async def failing_cleanup():
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        await asyncio.sleep(0.01)
        raise ValueError("cleanup failed")


async def numbers():
    try:
        for i in range(10):
            yield i
    finally:
        await asyncio.sleep(0.01)
        print("generator closed after an await")


def handler(loop, ctx):
    print("handler:", ctx["message"], repr(ctx["exception"]))


async def main():
    asyncio.get_running_loop().set_exception_handler(handler)
    asyncio.create_task(worker("w1"))
    asyncio.create_task(failing_cleanup())
    gen = numbers()
    print("first", await anext(gen))
    asyncio.get_running_loop()._keep = gen  # still open when run() shuts down
    await asyncio.sleep(0)
    print("main returns")


asyncio.run(main())
print("run returned")

# Seed 004, "Exception Handling in Tasks".
import asyncio

async def failing_task():
    await asyncio.sleep(1)
    raise ValueError("Something went wrong")

async def main():
    task = asyncio.create_task(failing_task())

    try:
        await task
    except ValueError as e:
        print(f"Caught exception: {e}")

    # Using gather with return_exceptions
    tasks = [
        asyncio.create_task(asyncio.sleep(1)),
        asyncio.create_task(failing_task()),
    ]
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for r in results:
        if isinstance(r, Exception):
            print(f"Task failed: {r}")
        else:
            print(f"Task succeeded: {r}")

asyncio.run(main())

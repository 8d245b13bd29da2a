# Seed 004, "Async Generators".
import asyncio

async def async_range(start, stop):
    """Async generator that yields numbers with delays."""
    for i in range(start, stop):
        await asyncio.sleep(0.5)
        yield i

async def main():
    async for num in async_range(0, 5):
        print(num)

    # Async comprehension
    results = [x async for x in async_range(0, 3)]
    print(results)

asyncio.run(main())

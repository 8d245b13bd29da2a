# Seed 004, "Gathering Multiple Coroutines".
import asyncio

async def fetch(url, delay):
    await asyncio.sleep(delay)
    return f"Response from {url}"

async def main():
    urls = ["site1.com", "site2.com", "site3.com"]
    coros = [fetch(url, i * 0.5) for i, url in enumerate(urls)]

    # Run all concurrently, results in same order as input
    results = await asyncio.gather(*coros)
    for r in results:
        print(r)

asyncio.run(main())

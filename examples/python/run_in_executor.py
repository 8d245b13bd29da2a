# Seed 004, "Running Blocking Code in Executor".
import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

def blocking_io():
    """Simulates blocking I/O operation."""
    time.sleep(2)
    return "IO complete"

def cpu_bound():
    """Simulates CPU-intensive operation."""
    return sum(i * i for i in range(10**6))

async def main():
    loop = asyncio.get_event_loop()

    # Run in default executor (ThreadPoolExecutor)
    result1 = await loop.run_in_executor(None, blocking_io)
    print(result1)

    # Run in custom executor
    with ThreadPoolExecutor(max_workers=4) as pool:
        result2 = await loop.run_in_executor(pool, cpu_bound)
        print(result2)

asyncio.run(main())

# Seed 004, "Using @asynccontextmanager".
import asyncio
from contextlib import asynccontextmanager

@asynccontextmanager
async def managed_resource(name):
    print(f"Acquiring {name}")
    await asyncio.sleep(0.5)
    try:
        yield name
    finally:
        print(f"Releasing {name}")
        await asyncio.sleep(0.2)

async def main():
    async with managed_resource("database") as resource:
        print(f"Using {resource}")

asyncio.run(main())

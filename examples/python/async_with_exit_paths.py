# Seed 004, "Asynchronous Context Managers", extended to show the exit when the body fails
# and when the task is cancelled. On cancellation __aexit__ aborts the connection without
# awaiting (the evloop twin cannot await in a destructor; see docs/cancellation.md).
import asyncio

class AsyncConnection:
    """Simulated async database connection."""

    async def __aenter__(self):
        print("Connecting...")
        await asyncio.sleep(1)
        print("Connected")
        return self

    async def __aexit__(self, exc_type, exc_val, exc_tb):
        if exc_type is asyncio.CancelledError:
            print("Aborting connection (cancelled)")
            return
        print("Disconnecting...")
        await asyncio.sleep(0.5)
        print("Disconnected")

    async def query(self, sql):
        await asyncio.sleep(0.1)
        return f"Result of: {sql}"

async def main():
    async with AsyncConnection() as conn:
        result = await conn.query("SELECT * FROM users")
        print(result)

    # The body fails: __aexit__ still runs, then the error propagates.
    try:
        async with AsyncConnection() as conn:
            raise ValueError("query failed")
    except ValueError as e:
        print(f"Caught: {e}")

    # The task is cancelled inside the body.
    async def use_forever():
        async with AsyncConnection() as conn:
            await asyncio.sleep(10)

    task = asyncio.create_task(use_forever())
    await asyncio.sleep(1.5)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        print("Task cancelled")

asyncio.run(main())

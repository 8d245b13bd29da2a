# Seed 004, "Waiting for First Completed".
import asyncio

async def fetch(name, delay):
    await asyncio.sleep(delay)
    return f"{name}: {delay}s"

async def main():
    tasks = [
        asyncio.create_task(fetch("fast", 1)),
        asyncio.create_task(fetch("slow", 3)),
    ]

    # Wait for first to complete
    done, pending = await asyncio.wait(
        tasks, return_when=asyncio.FIRST_COMPLETED
    )

    for task in done:
        print(f"Completed: {task.result()}")
    print(f"Still pending: {len(pending)}")

    # Cancel pending tasks
    for task in pending:
        task.cancel()

asyncio.run(main())

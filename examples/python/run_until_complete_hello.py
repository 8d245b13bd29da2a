# Seed 003, "The event loop": run_until_complete on a coroutine.
import asyncio

async def hello_world():
    print('Hello world!')

loop = asyncio.new_event_loop()
loop.run_until_complete(hello_world())
loop.close()

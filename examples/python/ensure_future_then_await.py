# Seed 003, "Chaining": ensure_future kicks off a task; await collects its result.
import asyncio

async def hello():
    w = asyncio.ensure_future(world())

    # block (world begins executing)
    await asyncio.sleep(1)

    print('Hello ', end='', flush=True)
    print(await w)


async def world():
    await asyncio.sleep(2)
    return 'world!'


loop = asyncio.new_event_loop()
loop.run_until_complete(hello())
loop.close()

# Seed 002, Example #4: two interleaving countdowns.
# The seed uses @asyncio.coroutine and `yield from`, removed in Python 3.11; `async def` and
# `await` are the same coroutine. asyncio.wait() no longer accepts bare coroutines, so the
# tasks are created with ensure_future as in the seed.
import asyncio

async def countdown(number, n):
    while n > 0:
        print('Counter of ', n, '({})'.format(number))
        await asyncio.sleep(1)
        n -= 1

loop = asyncio.new_event_loop()

tasks = [
    loop.create_task(countdown("First Count", 2)),
    loop.create_task(countdown("Second Count", 4))]

loop.run_until_complete(asyncio.wait(tasks))
loop.close()

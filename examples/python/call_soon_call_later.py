# Seed 003, "The event loop": "Coroutines can be set to run immediately with call_soon(), or
# after a delay with call_later(). You can yield to the next item in the loop with
# await asyncio.sleep(0)." The seed has no snippet for this paragraph; this one shows it.
import asyncio

loop = asyncio.new_event_loop()

def say(what):
    print(what)

async def ping_pong(name):
    for i in range(2):
        print(f'{name} {i}')
        await asyncio.sleep(0)  # yield to the next item in the loop

loop.call_later(0.2, say, 'call_later: 0.2 s later')
loop.call_later(0.1, say, 'call_later: 0.1 s later')
loop.call_soon(say, 'call_soon: first')
loop.call_soon(say, 'call_soon: second')
loop.create_task(ping_pong('ping'))
loop.create_task(ping_pong('pong'))
loop.call_later(0.3, loop.stop)
loop.run_forever()
loop.close()

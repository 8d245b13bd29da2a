import asyncio
from asyncio.subprocess import PIPE


async def main():
    proc = await asyncio.create_subprocess_exec(
        'sort', stdin=PIPE, stdout=PIPE, stderr=PIPE)
    print(f'[sort started, returncode {proc.returncode}]')
    stdout, stderr = await proc.communicate(b'banana\ncherry\napple\n')
    print(f'[sort exited with {proc.returncode}]')
    print(stdout.decode(), end='')

    proc = await asyncio.create_subprocess_exec('sleep', '30')
    proc.kill()
    print(f'[sleep killed: {await proc.wait()}]')


asyncio.run(main())

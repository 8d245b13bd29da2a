# Seed 002, Example #1: work shared through a queue. First as in the seed (plain functions,
# queue.Queue, one worker after another: Async1 does everything), then with real async
# workers on an asyncio.Queue, which take turns whenever one awaits.
import asyncio
import queue

def task(name, sample_queue):
    if sample_queue.empty():
        print(f'Task {name} has nothing to do')
    else:
        while not sample_queue.empty():
            cnt = sample_queue.get()
            total = 0
            for x in range(cnt):
                print(f'Task {name} is running now')
                total += 1

            print(f'Task {name} is running with a total of: {total}')

def sample_async():
    sample_queue = queue.Queue()
    for work in [2, 5, 10, 15, 20]:
        sample_queue.put(work)

    tasks = [
        (task, 'Async1', sample_queue),
        (task, 'Async2', sample_queue),
        (task, 'Async3', sample_queue)
    ]

    for t, n, q in tasks:
        t(n, q)

async def async_task(name, work_queue):
    if work_queue.empty():
        print(f'Task {name} has nothing to do')
    else:
        while not work_queue.empty():
            cnt = await work_queue.get()
            total = 0
            for x in range(cnt):
                print(f'Task {name} is running now')
                total += 1
                await asyncio.sleep(0)  # a real await: the other workers get a turn

            print(f'Task {name} is running with a total of: {total}')

async def really_async():
    work_queue = asyncio.Queue()
    for work in [2, 5, 10]:
        await work_queue.put(work)

    await asyncio.gather(
        async_task('Async1', work_queue),
        async_task('Async2', work_queue),
        async_task('Async3', work_queue),
    )

if __name__ == '__main__':
    sample_async()
    print('--- the same work with async workers ---')
    asyncio.run(really_async())

# Seed 002, Example #3: create_task + run_until_complete.
import asyncio

async def sample_task(task_seconds):
    print('Task takes {} seconds to complete'.format(task_seconds))
    await asyncio.sleep(task_seconds)
    return 'task has been completed'

if __name__ == '__main__':
    sample_event = asyncio.new_event_loop()
    try:
        print('Creation of tasks started')
        task_object_loop = sample_event.create_task(sample_task(task_seconds=3))

        sample_event.run_until_complete(task_object_loop)
    finally:
        sample_event.close()
        print("Task status: {}".format(task_object_loop.result()))

#!/usr/bin/env python3
"""Print asyncio's public surface, one name per line, for docs/asyncio-mapping.md.

Run with Python 3.13 (the output is checked in as docs/asyncio-surface-3.13.txt, which
tests/asyncio_mapping/ reads, so `cargo test` needs no Python):

    ~/.pyenv/versions/3.13.0/bin/python scripts/asyncio_surface.py > docs/asyncio-surface-3.13.txt

Lines are `asyncio.NAME` for every name in `asyncio.__all__` (including the underscored
low-level task hooks it exports), then `Class.member` for the public members (no leading
underscore) of the classes below: methods, properties, and the public attributes an instance
sets in `__init__` (found by building one instance where that is cheap).

A member a class inherits unchanged from another listed class is printed once, under the
class that defines it (`BoundedSemaphore.acquire` is `Semaphore.acquire`); an override is
printed under both (`Task.cancel` and `Future.cancel`). `BaseEventLoop` implements
`AbstractEventLoop`'s interface, so only what it adds to it is printed under its name.
"""

import asyncio
import asyncio.base_events
import asyncio.subprocess
import sys

# The classes whose members are enumerated, in the order the table groups them. The first
# name is the one printed (asyncio's public name, or the module's for Server and Process).
CLASSES = [
    ("AbstractEventLoop", asyncio.AbstractEventLoop),
    ("BaseEventLoop", asyncio.BaseEventLoop),
    ("Handle", asyncio.Handle),
    ("TimerHandle", asyncio.TimerHandle),
    ("Future", asyncio.Future),
    ("Task", asyncio.Task),
    ("TaskGroup", asyncio.TaskGroup),
    ("Timeout", asyncio.Timeout),
    ("Runner", asyncio.Runner),
    ("Queue", asyncio.Queue),
    ("PriorityQueue", asyncio.PriorityQueue),
    ("LifoQueue", asyncio.LifoQueue),
    ("Lock", asyncio.Lock),
    ("Event", asyncio.Event),
    ("Condition", asyncio.Condition),
    ("Semaphore", asyncio.Semaphore),
    ("BoundedSemaphore", asyncio.BoundedSemaphore),
    ("Barrier", asyncio.Barrier),
    ("Server", asyncio.base_events.Server),
    ("BaseTransport", asyncio.BaseTransport),
    ("ReadTransport", asyncio.ReadTransport),
    ("WriteTransport", asyncio.WriteTransport),
    ("Transport", asyncio.Transport),
    ("DatagramTransport", asyncio.DatagramTransport),
    ("SubprocessTransport", asyncio.SubprocessTransport),
    ("BaseProtocol", asyncio.BaseProtocol),
    ("Protocol", asyncio.Protocol),
    ("BufferedProtocol", asyncio.BufferedProtocol),
    ("DatagramProtocol", asyncio.DatagramProtocol),
    ("SubprocessProtocol", asyncio.SubprocessProtocol),
    ("StreamReader", asyncio.StreamReader),
    ("StreamWriter", asyncio.StreamWriter),
    ("Process", asyncio.subprocess.Process),
]


class _Dummy:
    """Stands in for a transport, protocol or reader an instance only stores."""

    stdin = stdout = stderr = None

    def get_pid(self):
        return 0

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def instances(loop):
    """Cheap instances, to find the public attributes set in `__init__`."""
    d = _Dummy()
    yield asyncio.BaseEventLoop, loop
    yield asyncio.Handle, asyncio.Handle(print, (), loop)
    yield asyncio.TimerHandle, asyncio.TimerHandle(0.0, print, (), loop)
    yield asyncio.Future, asyncio.Future(loop=loop)
    yield asyncio.TaskGroup, asyncio.TaskGroup()
    yield asyncio.Timeout, asyncio.Timeout(None)
    yield asyncio.Runner, asyncio.Runner()
    for cls in (asyncio.Queue, asyncio.PriorityQueue, asyncio.LifoQueue, asyncio.Lock,
                asyncio.Event, asyncio.Condition, asyncio.Semaphore,
                asyncio.BoundedSemaphore):
        yield cls, cls()
    yield asyncio.Barrier, asyncio.Barrier(1)
    yield asyncio.base_events.Server, asyncio.base_events.Server(
        loop, [], d, None, 100, None, None)
    yield asyncio.StreamReader, asyncio.StreamReader(loop=loop)
    yield asyncio.StreamWriter, asyncio.StreamWriter(d, d, None, loop)
    yield asyncio.subprocess.Process, asyncio.subprocess.Process(d, d, loop)


def public(names):
    return {n for n in names if not n.startswith("_")}


def main():
    if sys.version_info[:2] != (3, 13):
        sys.exit(f"asyncio_surface.py: run it with Python 3.13, not {sys.version.split()[0]}")

    for name in sorted(asyncio.__all__):
        print(f"asyncio.{name}")

    listed = {cls for _, cls in CLASSES}
    loop = asyncio.new_event_loop()
    attrs = {}
    for cls, obj in instances(loop):
        attrs[cls] = public(dir(obj)) - public(dir(cls))
    loop.close()

    for label, cls in CLASSES:
        members = set()
        for name in public(dir(cls)):
            # The class that defines it, first in the method resolution order.
            owner = next(c for c in cls.__mro__ if name in vars(c))
            if owner is cls or owner not in listed:
                members.add(name)
        # Attributes set by `__init__`, unless a listed base already sets them.
        bases = [b for b in cls.__mro__[1:] if b in listed]
        members |= attrs.get(cls, set()) - set().union(*(attrs.get(b, set()) for b in bases))
        if cls is asyncio.BaseEventLoop:
            members -= public(dir(asyncio.AbstractEventLoop))
        for name in sorted(members):
            print(f"{label}.{name}")


if __name__ == "__main__":
    main()

"""A bounded FIFO for one socket's sender task, light enough to keep one per open socket.

`asyncio.Queue` holds four deques (items, getters, putters and its `join` event's
waiters) of about 750 bytes each before anything is queued: 3 kB per socket, 3 MB for a
thousand idle ones. This queue holds one deque; a waiting putter (a replay into a full
queue) gets a list only while it waits. Same contract as the parts of `asyncio.Queue`
the sockets use: `put_nowait` raises `asyncio.QueueFull`, `put` and `get` wait.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Generic, TypeVar

T = TypeVar("T")


class SendQueue(Generic[T]):
    __slots__ = ("_getter", "_items", "_maxsize", "_putters")

    def __init__(self, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError(f"a send queue holds at least one item, not {maxsize}")
        self._items: deque[T] = deque()
        self._maxsize = maxsize
        self._getter: asyncio.Future[None] | None = None
        self._putters: list[asyncio.Future[None]] | None = None

    def qsize(self) -> int:
        return len(self._items)

    def empty(self) -> bool:
        return not self._items

    def full(self) -> bool:
        return len(self._items) >= self._maxsize

    def put_nowait(self, item: T) -> None:
        if self.full():
            raise asyncio.QueueFull
        self._items.append(item)
        getter = self._getter
        if getter is not None and not getter.done():
            getter.set_result(None)

    async def put(self, item: T) -> None:
        """Wait while the queue is full, then queue `item` (putters go in arrival order)."""
        while self.full() or self._putters:
            waiter = asyncio.get_running_loop().create_future()
            if self._putters is None:
                self._putters = []
            self._putters.append(waiter)
            try:
                await waiter
            except BaseException:
                self._forget_putter(waiter)
                self._wake_putter()  # a cancelled putter passes its turn on
                raise
            self._forget_putter(waiter)
            if not self.full():
                break
        self.put_nowait(item)
        self._wake_putter()

    def get_nowait(self) -> T:
        if not self._items:
            raise asyncio.QueueEmpty
        item = self._items.popleft()
        self._wake_putter()
        return item

    async def get(self) -> T:
        """Wait for an item; one task reads a send queue."""
        while not self._items:
            if self._getter is not None and not self._getter.done():
                raise RuntimeError("a SendQueue has a single reader: its socket's sender")
            self._getter = asyncio.get_running_loop().create_future()
            try:
                await self._getter
            finally:
                self._getter = None
        return self.get_nowait()

    def _wake_putter(self) -> None:
        if self._putters and not self.full():
            waiter = self._putters[0]
            if not waiter.done():
                waiter.set_result(None)

    def _forget_putter(self, waiter: asyncio.Future[None]) -> None:
        putters = self._putters
        if putters is not None and waiter in putters:
            putters.remove(waiter)
        if not putters:
            self._putters = None

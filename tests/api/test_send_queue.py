"""The socket's send queue keeps asyncio.Queue's contract where the sockets rely on it:
bounded, in order, `put_nowait` refuses when full, `put` waits its turn."""

from __future__ import annotations

import asyncio

import pytest

from genesis_mesh.api.send_queue import SendQueue


async def test_items_come_out_in_the_order_they_went_in() -> None:
    queue: SendQueue[int] = SendQueue(10)
    for i in range(5):
        queue.put_nowait(i)
    assert [await queue.get() for _ in range(5)] == [0, 1, 2, 3, 4]
    assert queue.empty()


async def test_a_full_queue_refuses_put_nowait() -> None:
    queue: SendQueue[str] = SendQueue(2)
    queue.put_nowait("a")
    queue.put_nowait("b")
    with pytest.raises(asyncio.QueueFull):
        queue.put_nowait("c")
    assert queue.get_nowait() == "a"
    queue.put_nowait("c")
    assert [queue.get_nowait(), queue.get_nowait()] == ["b", "c"]
    with pytest.raises(asyncio.QueueEmpty):
        queue.get_nowait()


async def test_get_waits_for_an_item() -> None:
    queue: SendQueue[str] = SendQueue(2)
    getter = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    assert not getter.done()
    queue.put_nowait("x")
    assert await asyncio.wait_for(getter, 1) == "x"


async def test_putters_wait_while_full_and_go_in_arrival_order() -> None:
    queue: SendQueue[int] = SendQueue(1)
    queue.put_nowait(0)
    putters = [asyncio.create_task(queue.put(i)) for i in (1, 2, 3)]
    await asyncio.sleep(0)
    assert not any(p.done() for p in putters)
    got = [await asyncio.wait_for(queue.get(), 1) for _ in range(4)]
    assert got == [0, 1, 2, 3]
    await asyncio.gather(*putters)


async def test_a_cancelled_putter_passes_its_turn_on() -> None:
    queue: SendQueue[int] = SendQueue(1)
    queue.put_nowait(0)
    first = asyncio.create_task(queue.put(1))
    second = asyncio.create_task(queue.put(2))
    await asyncio.sleep(0)
    first.cancel()
    assert queue.get_nowait() == 0  # frees the slot the cancelled putter was woken for
    await asyncio.sleep(0)
    assert await asyncio.wait_for(queue.get(), 1) == 2
    await asyncio.wait_for(second, 1)
    assert first.cancelled()
    assert queue.empty()

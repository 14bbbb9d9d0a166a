"""A flooding client in its own process (so it does not share the test's event loop):
sockets sending pings as fast as they can, reconnecting when closed, and a loop of run
starts over REST, all from one address, until stdin closes. Prints its counts as JSON.

    python -m tests.api.flooder BASE_URL ADDRESS SOCKETS
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus


async def flood_messages(
    ws_url: str, address: str, stop: asyncio.Event, counts: dict[str, int]
) -> None:
    while not stop.is_set():
        try:
            socket = await connect(ws_url, local_addr=(address, 0))
        except (InvalidStatus, OSError):
            await asyncio.sleep(0.05)
            continue
        counts["connections"] += 1
        with contextlib.suppress(ConnectionClosed):
            while not stop.is_set():
                await socket.send('{"type": "ping"}')
                counts["messages"] += 1
                if counts["messages"] % 50 == 0:
                    await asyncio.sleep(0)
        await socket.close()


async def flood_starts(
    base_url: str, address: str, stop: asyncio.Event, counts: dict[str, int]
) -> None:
    transport = httpx.AsyncHTTPTransport(local_address=address)
    async with httpx.AsyncClient(base_url=base_url, transport=transport) as http:
        while not stop.is_set():
            answer = await http.post("/api/v1/runs", json={"graph": "steps", "input": {}})
            counts[f"starts_{answer.status_code}"] = (
                counts.get(f"starts_{answer.status_code}", 0) + 1
            )


async def main(base_url: str, address: str, sockets: int) -> None:
    stop = asyncio.Event()
    counts = {"messages": 0, "connections": 0}
    ws_url = base_url.replace("http://", "ws://") + "/ws"
    tasks = [
        asyncio.create_task(flood_messages(ws_url, address, stop, counts)) for _ in range(sockets)
    ]
    tasks.append(asyncio.create_task(flood_starts(base_url, address, stop, counts)))
    print("flooding", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    print(json.dumps(counts), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))

"""A small closed-loop load generator: C concurrent clients, each sending the next request when its
last one answered, for a fixed number of requests. Python's own, so no tool to install."""
from __future__ import annotations

import asyncio
import statistics
import time

from aiohttp import ClientSession, TCPConnector


async def drive(url: str, make_body, *, requests: int, concurrency: int) -> dict:
    latencies: list[float] = []
    failures = 0
    counter = iter(range(requests))
    async with ClientSession(connector=TCPConnector(limit=concurrency)) as http:
        async def client():
            nonlocal failures
            for n in counter:
                started = time.perf_counter()
                async with http.post(url, json=make_body(n)) as response:
                    await response.read()
                    if response.status >= 300 and response.status != 201:
                        failures += 1
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {"rps": len(latencies) / elapsed, "p50_ms": statistics.median(latencies) * 1000,
            "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000, "failures": failures, "requests": len(latencies)}

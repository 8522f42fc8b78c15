#!/usr/bin/env python3
"""The soak's anchor: one URL at a constant arrival rate, on the same kind of connection pool; prints p50 and p99."""
import argparse
import asyncio
import time

import aiohttp

from soak import percentile


async def main(url, rate, seconds):
    latencies, errors = [], 0
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256)) as session:
        async def one():
            nonlocal errors
            start = time.monotonic()
            try:
                async with session.get(url, timeout=aiohttp.ClientTimeout(total=10)) as r:
                    await r.read()
                    errors += r.status != 200
            except Exception:
                errors += 1
            latencies.append(time.monotonic() - start)
        t0, tasks = time.monotonic(), []
        for i in range(int(rate * seconds)):
            delay = t0 + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
    print(f"{len(latencies)} requests, {errors} errors")
    print(f"p50 {percentile(latencies, 50) * 1000:.2f} ms")
    print(f"p99 {percentile(latencies, 99) * 1000:.2f} ms")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("url")
    p.add_argument("--rate", type=float, default=200)
    p.add_argument("--seconds", type=float, default=60)
    a = p.parse_args()
    asyncio.run(main(a.url, a.rate, a.seconds))

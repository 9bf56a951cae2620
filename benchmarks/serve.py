#!/usr/bin/env python3
"""``llm serve`` benchmark: what the server adds on top of calling the same model in process.

    uv run python benchmarks/serve.py [--requests 200] [--concurrent-total 1000] [--starts 7]

Measured in one run, the echo model (llm-echo, offline) on both sides, side by side:

- time to the first streamed byte of the answer: a streamed POST /v1/chat/completions
  (httpx2, one keep-alive connection) until the first ``content`` chunk arrives, against
  ``async for chunk in model.prompt(...)`` in this process until its first chunk; p50 and p90
  over ``--requests`` requests each, after a warm-up. The difference is the added latency
  (the issue's target: p50 under 10 ms);
- throughput with 50 streamed requests in flight at once (``--concurrent-total`` requests
  in all), each read to ``[DONE]``: requests per second through the server, against 50
  concurrent in-process prompts read to their end;
- how long ``llm serve`` takes from being started to listening (the "Listening on" line),
  median of ``--starts`` starts (target: within 1 s), beside ``llm --version``'s start.

The server runs as the real ``llm serve`` command, logging every request to a fresh logs.db
in a throwaway user directory (as a user runs it); the client is this process, so both share
the machine's cores: on a busy machine read the differences, not the absolute times.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LLM = str(Path(sys.executable).parent / "llm")
CONCURRENCY = 50
TOKEN = "bench-token"
REQUEST = {"model": "echo", "messages": [{"role": "user", "content": "hello pelican"}]}


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen[str], str, float]:
    started = time.perf_counter()
    process = subprocess.Popen(
        [LLM, "serve", "--port", "0", "--token", TOKEN],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("Listening on "):
            return process, line.split()[-1], time.perf_counter() - started
    raise SystemExit("llm serve did not start")


def stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(2)
    process.wait(30)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def first_byte_in_process(model: object, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        response = model.prompt("hello pelican")  # type: ignore[attr-defined]
        async for _chunk in response:
            times.append(time.perf_counter() - started)
            break
        async for _chunk in response:  # finish it, as the server does
            pass
    return times


async def first_byte_served(base: str, count: int) -> list[float]:
    import httpx2

    times = []
    headers = {"Authorization": f"Bearer {TOKEN}"}
    body = {**REQUEST, "stream": True}
    async with httpx2.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
        for _ in range(count):
            started = time.perf_counter()
            async with client.stream("POST", "/v1/chat/completions", json=body) as response:
                seen = None
                async for line in response.aiter_lines():
                    if seen is None and line.startswith("data: {") and '"content":"' in line:
                        chunk = json.loads(line[6:])
                        if chunk["choices"][0]["delta"].get("content"):
                            seen = time.perf_counter() - started
                times.append(seen if seen is not None else float("nan"))
    return times


async def throughput_in_process(model: object, total: int) -> float:
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one() -> None:
        async with semaphore:
            async for _chunk in model.prompt("hello pelican"):  # type: ignore[attr-defined]
                pass

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(total)))
    return total / (time.perf_counter() - started)


def _raw_request(base: str) -> tuple[str, int, bytes]:
    """One streamed chat request as bytes, for a client light enough not to be what is
    measured (an SDK's own parsing costs more CPU per request than the server's work)."""
    host, port = base.removeprefix("http://").rsplit(":", 1)
    body = json.dumps({**REQUEST, "stream": True}).encode()
    head = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    return host, int(port), head + body


async def throughput_served(base: str, total: int) -> float:
    """``CONCURRENCY`` kept-alive connections, each sending its next streamed request as
    soon as the last one's chunked body has ended (after ``data: [DONE]``)."""
    host, port, request = _raw_request(base)
    remaining = total

    async def connection() -> None:
        nonlocal remaining
        reader, writer = await asyncio.open_connection(host, port)
        while remaining > 0:
            remaining -= 1
            writer.write(request)
            data = b""
            while not (b"data: [DONE]" in data and data.endswith(b"0\r\n\r\n")):
                chunk = await reader.read(65536)
                if not chunk:
                    raise SystemExit("the server closed a connection mid-response")
                data += chunk
            if b" 200 OK" not in data[:20]:
                raise SystemExit(f"unexpected answer: {data[:200]!r}")
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(CONCURRENCY)))
    return total / (time.perf_counter() - started)


def version_start(env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([LLM, "--version"], env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrent-total", type=int, default=1000)
    parser.add_argument("--starts", type=int, default=7)
    args = parser.parse_args()

    user_dir = tempfile.mkdtemp(prefix="llm-serve-bench-")
    os.environ["LLM_USER_PATH"] = user_dir
    env = {**os.environ, "LLM_USER_PATH": user_dir}
    env.pop("LLM_LOAD_PLUGINS", None)

    import llm

    model = llm.get_async_model("echo")

    starts = []
    for _ in range(args.starts):
        process, _base, took = start_server(env)
        starts.append(took)
        stop(process)
    version = version_start(env, args.starts)

    process, base, _ = start_server(env)
    try:
        asyncio.run(first_byte_served(base, 20))  # warm-up
        asyncio.run(first_byte_in_process(model, 20))
        served = asyncio.run(first_byte_served(base, args.requests))
        local = asyncio.run(first_byte_in_process(model, args.requests))
        served_rate = asyncio.run(throughput_served(base, args.concurrent_total))
        local_rate = asyncio.run(throughput_in_process(model, args.concurrent_total))
    finally:
        stop(process)

    ms = 1000
    added = percentile(served, 0.5) - percentile(local, 0.5)
    print(f"echo model, {args.requests} requests each; {os.cpu_count()} CPUs\n")
    print(f"{'first streamed byte':32} {'p50 ms':>9} {'p90 ms':>9}")
    print(
        f"{'  in process (AsyncEcho)':32} {percentile(local, 0.5) * ms:9.2f} "
        f"{percentile(local, 0.9) * ms:9.2f}"
    )
    print(
        f"{'  through llm serve':32} {percentile(served, 0.5) * ms:9.2f} "
        f"{percentile(served, 0.9) * ms:9.2f}"
    )
    verdict = "meets" if added * ms < 10 else "MISSES"
    print(f"  added by llm serve (p50): {added * ms:.2f} ms ({verdict} the < 10 ms target)\n")
    print(f"throughput, {CONCURRENCY} streamed requests in flight, {args.concurrent_total} in all")
    print(f"  in process:        {local_rate:9.0f} requests/s")
    print(f"  through llm serve: {served_rate:9.0f} requests/s (logging each to logs.db)\n")
    verdict = "meets" if statistics.median(starts) < 1 else "MISSES"
    print(
        f"llm serve start to listening, median of {args.starts}: "
        f"{statistics.median(starts) * ms:.0f} ms ({verdict} the 1 s target); "
        f"llm --version: {version * ms:.0f} ms"
    )


if __name__ == "__main__":
    main()

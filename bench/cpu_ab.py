"""A before-and-after of one workload as CPU per request: two strategy-bots side by side (this
checkout and BASELINE, another one), each on its own database seeded the same way, driven in turn
for ROUNDS rounds of SECS seconds (alternating which goes first), each round's figure the service's
own CPU time (utime + stime) over the requests it served. On a machine whose speed swings from one
10-second window to the next, requests/s of one run tell little; CPU per request, alternated, less
so. A benchmark, not a test: it prints, it asserts nothing, and writes nothing to RESULTS.md.

    BASELINE=/path/to/checkout .venv/bin/python bench/cpu_ab.py reply [sqlite|postgresql]

Workloads: help, wizard, reply (http_bench's three). A checkout's extra environment: A_ENV / B_ENV
("NAME=value;NAME=value"), A being BASELINE and B this checkout."""
from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import http_bench as bench  # noqa: E402

WORKLOADS = {"help": "help", "wizard": "wizard step (DB write)", "reply": "action reply in a thread (DB write + card update)"}


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def main(workload: str, database: str) -> None:
    checkouts = {"A": Path(os.environ["BASELINE"]), "B": ROOT}
    port = bench.free_port()
    connector = subprocess.Popen([bench.PYTHON, "bench/servers/connector.py", str(port)], cwd=ROOT)
    bench.wait_ready(port, connector)
    service_url = f"http://127.0.0.1:{port}/"
    postgres, processes, sides = None, [], {}
    try:
        if database == "postgresql":
            postgres = bench.TemporaryPostgres().start()
        for side, checkout in checkouts.items():
            if postgres:
                connection = await bench.asyncpg.connect(f"postgresql://strategy@127.0.0.1:{postgres.port}/postgres")
                await connection.execute(f'CREATE DATABASE "ab{side.lower()}"')
                await connection.close()
                url = postgres.url(f"ab{side.lower()}")
            else:
                url = f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/ab.db"
            _, command, env, workloads, setup = await bench.strategy_bot(side, url, service_url, checkout)
            extra = dict(pair.split("=", 1) for pair in os.environ.get(f"{side}_ENV", "").split(";") if pair)
            service_port = bench.free_port()
            process = subprocess.Popen(command, env={**os.environ, **env, **extra, "PORT": str(service_port)}, cwd=checkout,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            processes.append(process)
            bench.wait_ready(service_port, process, "/healthz")
            endpoint = f"http://127.0.0.1:{service_port}/api/messages"
            context, make = await setup(endpoint), workloads[WORKLOADS[workload]]
            bench.run_wrk(endpoint, make("w@N@", "@K@", context), bench.WARMUP_SECONDS, 0)
            sides[side] = (process, endpoint, make, context)
        seconds, figures = int(os.environ.get("SECS", 5)), {"A": [], "B": []}
        for round_ in range(int(os.environ.get("ROUNDS", 8))):
            for side in ("AB" if round_ % 2 == 0 else "BA"):
                process, endpoint, make, context = sides[side]
                before = cpu_seconds(process.pid)
                result = bench.run_wrk(endpoint, make(f"{round_}{side}@N@", "@K@", context), seconds, 0)
                figures[side].append(1000 * (cpu_seconds(process.pid) - before) / result["requests"])
                print(f"  {side} round {round_}: {figures[side][-1]:.3f} CPU ms a request, {result['rps']:,.0f}/s, "
                      f"p99 {result['p99_ms']:.1f} ms, {result['failures']} failures", flush=True)
        a, b = (statistics.median(figures[side]) for side in "AB")
        print(f"{workload} on {database}: baseline {a:.3f}, this checkout {b:.3f} CPU ms a request (medians): {b / a:.3f} of the baseline")
    finally:
        for process in processes:
            process.terminate()
            process.wait()
        connector.terminate()
        if postgres:
            postgres.stop()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "sqlite"))

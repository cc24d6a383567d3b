"""`make bench`: the raw aiohttp floor, botbuilder's EchoBot and strategy-bot, each started here on
this machine, driven with the same load against the same local connector. Prints a table and
appends it to bench/RESULTS.md. A benchmark, not a test: nothing here asserts a time.

Load: wrk (Debian's) when it is installed, else a Python closed-loop generator; the table says
which. BENCH_SECONDS (wrk) or BENCH_REQUESTS (Python) size each run; BENCH_ONLY=strategy-bot
runs the services named (comma-separated); BENCH_WRITE=0 prints without appending to RESULTS.md;
BENCH_BASELINE=/path/to/an/older/checkout adds that strategy-bot beside this one, on the same kind
of database seeded the same way, for a before-and-after in one run."""
from __future__ import annotations

import asyncio
import datetime
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import asyncpg  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bench.load import drive  # noqa: E402
from bench.seed import POLICE_AAD, thread_of  # noqa: E402
from storage import database  # noqa: E402
from tests.support.postgres import TemporaryPostgres  # noqa: E402

CONCURRENCY = 16
SECONDS, WARMUP_SECONDS = int(os.environ.get("BENCH_SECONDS", 10)), 3
REQUESTS, WARMUP = int(os.environ.get("BENCH_REQUESTS", 2000)), 200
THREADS = 200  # recorded discussions, each in its own channel thread, that the replies cycle over
WRK = shutil.which("wrk") if os.environ.get("BENCH_LOAD", "wrk") == "wrk" else None
PYTHON = sys.executable
AGENTS_PYTHON = ROOT / ".venv-agents" / "bin" / "python"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, process: subprocess.Popen, path: str | None = None, timeout: float = 30) -> float:
    """Seconds until the port accepts connections (and `path` answers 200, when given)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if path:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1) as response:
                    if response.status == 200:
                        return time.perf_counter() - started
            else:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.02)  # a benchmark's start-up poll, not a test
    raise RuntimeError("server did not start")


def memory_mb(pid: int, field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


# ---- the activities, as Teams sends them; N is the request's number, K the thread's ----------
def message(connector: str, text: str, n) -> dict:
    return {"type": "message", "id": f"m{n}", "channelId": "msteams", "serviceUrl": connector, "text": text,
            "from": {"id": "29:chair", "name": "Chair", "aadObjectId": "aad-chair"}, "recipient": {"id": "28:bot", "name": "Bot"},
            "conversation": {"id": "a:personal", "conversationType": "personal", "tenantId": "t"},
            "channelData": {"tenant": {"id": "t"}}}


def wizard_step(connector: str, discussion_id: str, n) -> dict:
    activity = message(connector, "", n)
    activity.update(type="invoke", name="adaptiveCard/action", replyToId="card", value={"action": {
        "type": "Action.Execute", "verb": "convene.next",
        "data": {"discussion_id": discussion_id, "step": "child", "case_reference": f"CR-{n}", "initials": "x1"}}})
    return activity


def thread_reply(connector: str, n, k, d="@D@") -> dict:
    """A1's owner answering in the discussion's channel thread, unmentioned (resource-specific consent):
    "A1 by D/12", each reply to a thread a day that differs from its last (200 threads, 28 days), so that
    every one is a report that writes and redraws the card. ("A1 done" was the workload until a repeated
    report that changes nothing came to write nothing: from the second round on it measured a no-op.)"""
    activity = message(connector, f"A1 by {d}/12", n)
    activity.update(id=f"r{n}", **{"from": {"id": "29:police", "name": "DS Bench", "aadObjectId": POLICE_AAD}})
    activity["conversation"] = {"id": thread_of(k), "conversationType": "channel", "isGroup": True, "tenantId": "t"}
    activity["channelData"].update(teamsChannelId="19:bench-mash@thread.tacv2", channel={"id": "19:bench-mash@thread.tacv2"})
    return activity


# ---- load ------------------------------------------------------------------------------------
def run_wrk(url: str, template: dict, seconds: int, first: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as body:
        json.dump(template, body)
    out = subprocess.run([WRK, "-t1", f"-c{CONCURRENCY}", f"-d{seconds}s", "--timeout", "30s", "-s", str(ROOT / "bench" / "wrk.lua"),
                          url, "--", body.name, str(THREADS), str(first)], capture_output=True, text=True, check=True).stdout
    os.unlink(body.name)
    summary = json.loads(out.strip().splitlines()[-1])
    return {"rps": summary["requests"] / (summary["duration_us"] / 1e6), "p50_ms": summary["p50_us"] / 1000,
            "p99_ms": summary["p99_us"] / 1000, "failures": summary["failures"], "requests": summary["requests"]}


async def load(url: str, make) -> dict:
    if WRK:
        run_wrk(url, make("w@N@", "@K@"), WARMUP_SECONDS, 0)
        return await asyncio.to_thread(run_wrk, url, make("@N@", "@K@"), SECONDS, 0)
    await drive(url, lambda n: make(f"w{n}", n % THREADS), requests=WARMUP, concurrency=CONCURRENCY)
    return await drive(url, lambda n: make(n, n % THREADS), requests=REQUESTS, concurrency=CONCURRENCY)


async def measure(name: str, command: list[str], env: dict, workloads: dict, setup=None, health: str | None = None) -> list[dict]:
    port = free_port()
    process = subprocess.Popen(command, env={**os.environ, **env, "PORT": str(port), "BENCH_PORT": str(port)}, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        startup = wait_ready(port, process, health)
        url = f"http://127.0.0.1:{port}/api/messages"
        context = await setup(url) if setup else None
        rows = []
        for workload, make in workloads.items():
            result = await load(url, lambda n, k: make(n, k, context))
            rows.append({"service": name, "workload": workload, **result, "rss_mb": memory_mb(process.pid, "VmHWM"), "startup_s": startup})
            print(f"  {name}, {workload}: {result['rps']:,.0f}/s, p99 {result['p99_ms']:.1f} ms", file=sys.stderr)
        return rows
    finally:
        process.terminate()
        process.wait()


def make_run_service(runs: int = 3) -> dict:
    """`make run`'s service as a chair meets it: local mode, scheduler on, the Playground's directory.
    Start-up is to the first healthy /healthz; idle RSS is read two seconds later."""
    starts, idle = [], []
    for _ in range(runs):
        port = free_port()
        data = Path(tempfile.mkdtemp(prefix="strategy-bot-run-"))
        env = {**os.environ, "PORT": str(port), "DATA_DIR": str(data), "DATABASE_URL": f"sqlite:///{data}/run.db",
               "MICROSOFT_APP_ID": "", "CONTACTS_FILE": "storage/directories/playground.yaml", "LOG_LEVEL": "WARNING"}
        subprocess.run([PYTHON, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=env, check=True, capture_output=True)
        process = subprocess.Popen([PYTHON, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            starts.append(wait_ready(port, process, "/healthz"))
            time.sleep(2)  # let the start-up sweep and the scheduler settle: this is the idle figure
            idle.append(memory_mb(process.pid, "VmRSS"))
        finally:
            process.terminate()
            process.wait()
    return {"startup_s": sorted(starts)[len(starts) // 2], "idle_rss_mb": sorted(idle)[len(idle) // 2], "runs": runs}


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    return f"{platform.machine()}, {os.cpu_count()} cores ({model}), Python {platform.python_version()}"


async def strategy_bot(label: str, url: str, service_url: str, checkout: Path = ROOT) -> tuple:
    """strategy-bot on the database at `url`, migrated and seeded here, as one service of the run
    (`checkout`: another copy of the code, e.g. before a change, on its own schema: it migrates
    the database at start, and would refuse a revision it does not know)."""
    env = {"DATA_DIR": tempfile.mkdtemp(prefix="strategy-bot-bench-"), "DATABASE_URL": url, "SCHEDULER_ENABLED": "false",
           "LOG_LEVEL": "WARNING", "MICROSOFT_APP_ID": ""}
    subprocess.run([PYTHON, "-m", "alembic", "upgrade", "head"], cwd=checkout, env={**os.environ, **env}, check=True, capture_output=True)
    # Seeded by the checkout's own code, for its own schema (an older one lacks a newer column).
    subprocess.run([PYTHON, "-c", "import asyncio, sys; from bench.seed import recorded_discussions; "
                    "asyncio.run(recorded_discussions(sys.argv[1], sys.argv[2], int(sys.argv[3])))", url, service_url, str(THREADS)],
                   cwd=checkout, check=True, capture_output=True)

    async def draft(endpoint: str) -> str:
        await drive(endpoint, lambda n: message(service_url, "strategy", "draft"), requests=1, concurrency=1)
        engine = database.create_engine(url)
        async with engine.connect() as connection:
            found = (await connection.execute(text("select id from discussions where status = 'draft'"))).scalar_one()
        await engine.dispose()
        return found

    workloads = {"help": lambda n, k, _: message(service_url, "help", n),
                 "wizard step (DB write)": lambda n, k, draft_id: wizard_step(service_url, draft_id, n),
                 "action reply in a thread (DB write + card update)": lambda n, k, _: thread_reply(service_url, n, k)}
    return label, [PYTHON, str(checkout / "app.py")], env, workloads, draft


async def main() -> None:
    only = set(filter(None, os.environ.get("BENCH_ONLY", "").split(",")))
    connector_port = free_port()
    connector = subprocess.Popen([PYTHON, "bench/servers/connector.py", str(connector_port)], cwd=ROOT)
    wait_ready(connector_port, connector)
    service_url = f"http://127.0.0.1:{connector_port}/"
    echo = {"echo": lambda n, k, _: message(service_url, "hello", n)}
    services = [("raw aiohttp", [PYTHON, "bench/servers/raw_aiohttp.py"], {}, echo, None),
                ("botbuilder EchoBot", [PYTHON, "bench/servers/echo_bot.py"], {}, echo, None)]
    if AGENTS_PYTHON.exists():
        services.append(("Agents SDK 1.9 echo", [str(AGENTS_PYTHON), "bench/servers/agents_echo.py"], {}, echo, None))
    else:
        print("  (no .venv-agents: the Agents SDK echo agent is left out; `make bench` builds it)", file=sys.stderr)
    postgres = None
    rows = []
    try:
        services.append(await strategy_bot("strategy-bot", f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db", service_url))
        baseline = os.environ.get("BENCH_BASELINE")
        if baseline:
            services.append(await strategy_bot("strategy-bot (baseline)", f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db",
                                               service_url, Path(baseline)))
        if not only or "strategy-bot (PostgreSQL)" in only:
            postgres = TemporaryPostgres().start()
            connection = await asyncpg.connect(f"postgresql://strategy@127.0.0.1:{postgres.port}/postgres")
            await connection.execute('CREATE DATABASE "bench"')
            await connection.close()
            services.append(await strategy_bot("strategy-bot (PostgreSQL)", postgres.url("bench"), service_url))
            if baseline:
                connection = await asyncpg.connect(f"postgresql://strategy@127.0.0.1:{postgres.port}/postgres")
                await connection.execute('CREATE DATABASE "baseline"')
                await connection.close()
                services.append(await strategy_bot("strategy-bot (baseline on PostgreSQL)", postgres.url("baseline"), service_url,
                                                   Path(baseline)))
        for name, command, env, workloads, setup in services:
            if not only or name in only:
                rows += await measure(name, command, env, workloads, setup, health="/healthz" if setup else None)
    finally:
        connector.terminate()
        if postgres:
            postgres.stop()
    run_service = make_run_service() if not only or "strategy-bot" in only else None
    print(table(rows, run_service))
    if os.environ.get("BENCH_WRITE", "1") != "0":
        with open(ROOT / "bench" / "RESULTS.md", "a") as results:
            results.write(table(rows, run_service))


def table(rows: list[dict], run_service: dict | None) -> str:
    by_name = {r["service"]: r["rps"] for r in rows}
    echo, agents, raw = by_name.get("botbuilder EchoBot"), by_name.get("Agents SDK 1.9 echo"), by_name.get("raw aiohttp")
    tool = (f"wrk {CONCURRENCY} connections, {SECONDS} s per workload after {WARMUP_SECONDS} s warm-up" if WRK else
            f"Python closed-loop load (bench/load.py), {CONCURRENCY} clients, {REQUESTS} requests after {WARMUP} warm-up")
    text = (f"\n## HTTP (`make bench`, bench/http_bench.py), {datetime.date.today()}, {machine()}\n\n"
            f"{tool}; every reply posted to one local connector on loopback; the load generator shares the machine.\n\n"
            "| service | workload | requests/s | p50 ms | p99 ms | × EchoBot | × Agents SDK | × raw aiohttp | peak RSS MB | "
            "start-up s | failures |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
    ratio = lambda value, base: f"{value / base:.2f}" if base else "-"  # noqa: E731
    text += "\n".join(f"| {r['service']} | {r['workload']} | {r['rps']:,.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
                      f"{ratio(r['rps'], echo)} | {ratio(r['rps'], agents)} | {ratio(r['rps'], raw)} | {r['rss_mb']:.0f} | {r['startup_s']:.2f} | {r['failures']} |"
                      for r in rows) + "\n"
    if run_service:
        text += (f"\n`make run`'s service (local mode, scheduler on, median of {run_service['runs']}): start-up to a healthy "
                 f"/healthz {run_service['startup_s']:.2f} s, idle RSS {run_service['idle_rss_mb']:.0f} MB.\n")
    return text


if __name__ == "__main__":
    asyncio.run(main())

"""`make bench`: the raw aiohttp floor, botbuilder's EchoBot and strategy-bot, each started here on
this machine, driven with the same load against the same local connector. Prints a table and
appends it to bench/RESULTS.md. A benchmark, not a test: nothing here asserts a time."""
from __future__ import annotations

import asyncio
import datetime
import os
import platform
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.load import drive  # noqa: E402

REQUESTS, CONCURRENCY, WARMUP = int(os.environ.get("BENCH_REQUESTS", 2000)), 16, 200


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, process: subprocess.Popen, timeout: float = 30) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return time.perf_counter() - started
        time.sleep(0.05)  # a benchmark's start-up poll, not a test
    raise RuntimeError("server did not start")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def message(connector: str, text: str, n: int) -> dict:
    return {"type": "message", "id": f"m{n}", "channelId": "msteams", "serviceUrl": connector, "text": text,
            "from": {"id": "29:chair", "name": "Chair", "aadObjectId": "aad-chair"}, "recipient": {"id": "28:bot", "name": "Bot"},
            "conversation": {"id": "a:personal", "conversationType": "personal", "tenantId": "t"},
            "channelData": {"tenant": {"id": "t"}}}


def wizard_step(connector: str, discussion_id: str, n: int) -> dict:
    activity = message(connector, "", n)
    activity.update(type="invoke", name="adaptiveCard/action", replyToId="card", value={"action": {
        "type": "Action.Execute", "verb": "convene.next",
        "data": {"discussion_id": discussion_id, "step": "child", "case_reference": f"CR-{n}", "initials": "x1"}}})
    return activity


async def measure(name: str, command: list[str], env: dict, workloads: dict, setup=None) -> list[dict]:
    port = free_port()
    process = subprocess.Popen(command + [str(port)] if "app.py" not in command[-1] else command,
                               env={**os.environ, **env, "PORT": str(port)}, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        startup = wait_listening(port, process)
        url = f"http://127.0.0.1:{port}/api/messages"
        context = await setup(url) if setup else None
        rows = []
        for workload, make in workloads.items():
            await drive(url, lambda n: make(n, context), requests=WARMUP, concurrency=CONCURRENCY)
            result = await drive(url, lambda n: make(n, context), requests=REQUESTS, concurrency=CONCURRENCY)
            rows.append({"service": name, "workload": workload, **result, "rss_mb": peak_rss_mb(process.pid), "startup_s": startup})
        return rows
    finally:
        process.terminate()
        process.wait()


async def main() -> None:
    python = sys.executable
    connector_port = free_port()
    connector = subprocess.Popen([python, "bench/servers/connector.py", str(connector_port)], cwd=ROOT)
    wait_listening(connector_port, connector)
    service_url = f"http://127.0.0.1:{connector_port}/"
    data = Path(tempfile.mkdtemp(prefix="strategy-bot-bench-"))
    database = data / "bench.db"
    bot_env = {"DATA_DIR": str(data), "DATABASE_URL": f"sqlite:///{database}", "SCHEDULER_ENABLED": "false", "LOG_LEVEL": "WARNING",
               "MICROSOFT_APP_ID": ""}
    subprocess.run([python, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env={**os.environ, **bot_env}, check=True,
                   capture_output=True)

    async def draft(url: str) -> str:
        from bench.load import drive as send

        await send(url, lambda n: message(service_url, "strategy", n), requests=1, concurrency=1)
        return sqlite3.connect(database).execute("select id from discussions").fetchone()[0]

    rows = []
    try:
        rows += await measure("raw aiohttp", [python, "bench/servers/raw_aiohttp.py"], {},
                              {"echo": lambda n, _: message(service_url, "hello", n)})
        rows += await measure("botbuilder EchoBot", [python, "bench/servers/echo_bot.py"], {},
                              {"echo": lambda n, _: message(service_url, "hello", n)})
        rows += await measure("strategy-bot", [python, "app.py"], bot_env,
                              {"help": lambda n, _: message(service_url, "help", n),
                               "wizard step (DB write)": lambda n, draft_id: wizard_step(service_url, draft_id, n)},
                              setup=draft)
    finally:
        connector.terminate()
    echo = next(r for r in rows if r["service"] == "botbuilder EchoBot")["rps"]
    raw = next(r for r in rows if r["service"] == "raw aiohttp")["rps"]
    header = (f"\n## HTTP (`make bench`, bench/http_bench.py), {datetime.date.today()}, {platform.machine()}, "
              f"{os.cpu_count()} cores, Python {platform.python_version()}\n\n"
              f"Python closed-loop load (bench/load.py), {CONCURRENCY} concurrent clients, {REQUESTS} requests after "
              f"{WARMUP} warm-up, replies to a local connector on loopback; the load generator shares the machine.\n\n"
              "| service | workload | requests/s | p50 ms | p99 ms | × EchoBot | × raw aiohttp | peak RSS MB | start-up s | failures |\n"
              "|---|---|---|---|---|---|---|---|---|---|\n")
    lines = [f"| {r['service']} | {r['workload']} | {r['rps']:,.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
             f"{r['rps'] / echo:.2f} | {r['rps'] / raw:.2f} | {r['rss_mb']:.0f} | {r['startup_s']:.2f} | {r['failures']} |"
             for r in rows]
    table = header + "\n".join(lines) + "\n"
    print(table)
    with open(ROOT / "bench" / "RESULTS.md", "a") as results:
        results.write(table)


if __name__ == "__main__":
    asyncio.run(main())

"""The same measurement on each database the product supports: SQLite in a scratch folder, then a
PostgreSQL 15 the bench starts itself (tests/support/postgres.py), each with a fresh database."""
from __future__ import annotations

import tempfile
from pathlib import Path

from tests.support.postgres import TemporaryPostgres


async def on_each_database(name: str, measure) -> dict:
    """{"SQLite": measure(url, folder), "PostgreSQL 15": measure(url, folder)}."""
    import asyncpg

    results = {}
    with tempfile.TemporaryDirectory() as folder:
        results["SQLite"] = await measure(f"sqlite+aiosqlite:///{folder}/{name}.db", Path(folder))
    server = TemporaryPostgres().start()
    try:
        connection = await asyncpg.connect(f"postgresql://strategy@127.0.0.1:{server.port}/postgres")
        await connection.execute(f'CREATE DATABASE "{name}"')
        await connection.close()
        with tempfile.TemporaryDirectory() as folder:
            results["PostgreSQL 15"] = await measure(server.url(name), Path(folder))
    finally:
        server.stop()
    return results

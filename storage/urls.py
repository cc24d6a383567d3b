"""DATABASE_URL in, an async SQLAlchemy URL out: people paste `postgres://...` from their host."""
from __future__ import annotations

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


class DatabaseUrlError(ValueError):
    pass


def normalise_database_url(raw: str) -> URL:
    try:
        url = make_url(raw)
    except ArgumentError:
        raise DatabaseUrlError(f"cannot parse {raw!r}; expected e.g. sqlite:///data/strategy-bot.db or postgresql://user@host/db") from None
    driver = _ASYNC_DRIVERS.get(url.drivername)
    if driver is None:
        raise DatabaseUrlError(f"unsupported database {url.drivername!r}; use SQLite or PostgreSQL")
    if driver.startswith("sqlite") and not url.database:
        raise DatabaseUrlError("SQLite needs a file path (in-memory databases lose every discussion on restart)")
    if driver.startswith("postgresql") and "sslmode" in url.query:
        # libpq's spelling (what Azure's portal and most hosts print); asyncpg names it `ssl`, with the same values.
        query = {k: v for k, v in url.query.items() if k != "sslmode"}
        url = url.set(query={**query, "ssl": url.query["sslmode"]})
    return url.set(drivername=driver)

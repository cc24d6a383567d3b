"""Alembic runs the migrations on the async engine the app itself uses.

The URL is, in order: `-x url=...` on the command line (tests), the config's sqlalchemy.url
(set programmatically), then the settings (DATABASE_URL / the SQLite default).
"""
import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import text

from storage.database import create_engine
from storage.models import Base

config = context.config
if config.config_file_name is not None and not config.attributes.get("skip_logging_config"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from settings import load_settings

    return load_settings().sqlalchemy_url


MIGRATION_LOCK = 7_270_001  # any constant: replicas starting together migrate one at a time


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":  # released with the transaction
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.run_migrations()


async def _run_async() -> None:
    engine = create_engine(_url())
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
asyncio.run(_run_async())

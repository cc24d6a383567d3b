"""Persistence: SQLAlchemy 2 (async) models, repositories, the unit of work, Alembic migrations."""

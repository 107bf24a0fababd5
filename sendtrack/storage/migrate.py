"""`sendtrack init`: create or upgrade the database with the Alembic migrations shipped in the package."""

from __future__ import annotations

from importlib.resources import files

from sendtrack.storage.db import Location, create_private_file


def alembic_config(location: Location):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(files("sendtrack.migrations")))
    config.set_main_option("sqlalchemy.url", location.sqlalchemy_url().replace("%", "%%"))
    return config


def upgrade(location: Location, revision: str = "head") -> tuple[str | None, str]:
    """Upgrade to `revision`; returns the revision before and after."""
    from alembic import command

    from sendtrack.storage.db import open_database

    if location.path is not None:
        create_private_file(location.path)
    db = open_database(location, check_schema=False)
    before = db.schema_version()
    db.close()
    command.upgrade(alembic_config(location), revision)
    db = open_database(location, check_schema=False)
    after = db.schema_version()
    db.close()
    return before, after or ""


def downgrade(location: Location, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(location), revision)

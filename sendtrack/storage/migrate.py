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
    """Upgrade to `revision`; returns the revision before and after.

    Never downgrades: a database a newer sendtrack wrote is refused (exit 3) before Alembic sees it.
    An existing file that is not a SQLite database is refused with its mode untouched, a damaged one
    as every command refuses it, and a read-only one unless it is already up to date."""
    from sendtrack.storage.db import open_database, refuse_newer
    from sendtrack.storage.version import HEAD

    if location.path is not None:
        create_private_file(location.path)
    db = open_database(location, check_schema=False)
    try:
        before = refuse_newer(db)
        if before == HEAD and revision == "head":
            return before, before
        db.refuse_read_only()
    finally:
        db.close()
    from alembic import command

    command.upgrade(alembic_config(location), revision)
    db = open_database(location, check_schema=False)
    after = db.schema_version()
    db.close()
    return before, after or ""


def downgrade(location: Location, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(location), revision)

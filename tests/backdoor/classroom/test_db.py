"""The class database: migrated on opening, WAL on SQLite, and an unreachable one reported plainly."""

import pytest
from sqlalchemy import inspect, text

from backdoor.classroom.db import ClassroomUnavailable, database_url, open_database


def test_opening_applies_the_migrations_and_again_changes_nothing(class_db):
    tables = set(inspect(class_db.engine).get_table_names())
    assert {"classes", "students", "events", "pin_failures", "alembic_version"} <= tables
    with class_db.session() as session:
        assert session.execute(text("select version_num from alembic_version")).scalar() == "0001"
    again = open_database(str(class_db.engine.url.render_as_string(hide_password=False)))
    with again.session() as session:
        assert session.execute(text("select count(*) from alembic_version")).scalar() == 1
    again.engine.dispose()


def test_sqlite_is_the_default_beside_the_model_store_in_wal_mode(tmp_path, monkeypatch):
    monkeypatch.delenv("BACKDOOR_LAB_DB", raising=False)
    monkeypatch.setenv("BACKDOOR_LAB_STORE", str(tmp_path / "models"))
    url = database_url()
    assert url == f"sqlite:///{tmp_path / 'classroom.sqlite3'}"
    db = open_database(url)
    with db.session() as session:
        assert session.execute(text("pragma journal_mode")).scalar() == "wal"
    db.engine.dispose()


def test_the_database_url_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("BACKDOOR_LAB_DB", "postgresql+psycopg://lab@db/lab")
    assert database_url() == "postgresql+psycopg://lab@db/lab"


def test_an_unreachable_database_says_the_lab_works_on_without_it():
    with pytest.raises(ClassroomUnavailable, match="works on, without class features"):
        open_database("postgresql+psycopg://lab@127.0.0.1:1/lab")


def test_replicas_that_start_together_migrate_once(postgres_url):
    """Two servers opening a fresh PostgreSQL at the same moment both end up on one schema."""
    import threading

    from sqlalchemy import text

    from backdoor.classroom.db import open_database

    with open_database(postgres_url).engine.begin() as connection:  # start from nothing
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    opened, failed = [], []

    def start():
        try:
            opened.append(open_database(postgres_url))
        except Exception as error:  # noqa: BLE001 - the failure is the finding
            failed.append(error)

    threads = [threading.Thread(target=start, daemon=True) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)  # without the lock they can deadlock on each other's tables
    assert not any(t.is_alive() for t in threads), "the migrations are stuck on each other"
    assert not failed and len(opened) == 4
    with opened[0].engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    for db in opened:
        db.engine.dispose()

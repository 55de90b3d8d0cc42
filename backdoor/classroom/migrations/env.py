"""Alembic's entry point: migrations run on the connection ``backdoor.classroom.db.migrate`` passes."""

from alembic import context

from backdoor.classroom.schema import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata)
with context.begin_transaction():
    context.run_migrations()

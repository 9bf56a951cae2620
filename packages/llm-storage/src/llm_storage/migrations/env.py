"""Alembic environment: runs on the connection (and transaction) that migrate.py hands over.

There is no alembic.ini and no offline mode: the store always migrates a live database,
inside one transaction it owns, so a failing migration leaves the database as it was.
"""

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("llm_storage migrations are run through llm_storage.migrate.upgrade()")

context.configure(
    connection=connection,
    target_metadata=None,
    render_as_batch=connection.dialect.name == "sqlite",
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()

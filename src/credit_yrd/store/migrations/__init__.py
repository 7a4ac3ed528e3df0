"""Alembic environment of the store, shipped in the package (see ``credit_yrd.store.migrate``)."""

"""The Alembic migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

import warnings

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hotline.database import include_object
from wiring.registry import metadata


def test_models_and_migrations_agree(engine):
    with engine.connect() as conn, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # expression indexes cannot be reflected; they are not models' business
        ctx = MigrationContext.configure(conn, opts={"include_object": include_object, "compare_type": True})
        diff = compare_metadata(ctx, metadata)
    assert diff == []

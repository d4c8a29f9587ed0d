"""full-text search indexes over search_tokens

SQLite: FTS5 external-content tables tickets_fts and kb_articles_fts, kept in sync by triggers.
PostgreSQL: GIN indexes on to_tsvector('simple', search_tokens).

Note for later migrations: on SQLite, a batch (copy-and-move) migration of tickets or kb_articles drops
these triggers with the old table; such a migration must recreate them (see _sqlite_fts_ddl).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 18:30:00
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = ("tickets", "kb_articles")


def _sqlite_fts_ddl(table: str) -> list[str]:
    fts = f"{table}_fts"
    delete_old = (f"INSERT INTO {fts}({fts}, rowid, search_tokens) "
                  f"VALUES ('delete', old.id, old.search_tokens);")
    insert_new = f"INSERT INTO {fts}(rowid, search_tokens) VALUES (new.id, new.search_tokens);"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5(search_tokens, content='{table}', content_rowid='id')",
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN {insert_new} END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN {delete_old} END",
        # Only updates that set search_tokens touch the index (status changes etc. do not).
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF search_tokens ON {table} BEGIN {delete_old} {insert_new} END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",  # index rows that exist already
    ]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in TABLES:
        if dialect == "sqlite":
            for statement in _sqlite_fts_ddl(table):
                op.execute(statement)
        elif dialect == "postgresql":
            # Plain CREATE INDEX (not CONCURRENTLY): it runs inside the migration's transaction.
            op.execute(f"CREATE INDEX ix_{table}_search_tsv ON {table} "
                       f"USING gin (to_tsvector('simple'::regconfig, search_tokens))")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in TABLES:
        if dialect == "sqlite":
            fts = f"{table}_fts"
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {fts}")
        elif dialect == "postgresql":
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_search_tsv")

"""indexes for finding a caller's cases (last four digits of the number, caller's name); case claims (认领)

The console's search box finds cases by case number (unique index), full caller number
(ix_tickets_caller_created), the last four digits of the number and the caller's name (张先生). The two new
indexes keep those lookups off a scan of every case:

* ix_tickets_caller_tail_expr — an expression index on the number's last four digits and created_at
  (PostgreSQL right(caller_phone, 4), SQLite substr(caller_phone, -4)); ticketing.list_service writes the
  same expression (caller_tail_expression). It lives here only (models cannot describe one index for
  both dialects); the _expr suffix keeps autogenerate's comparison away from it
  (hotline.database.include_object).
* ix_tickets_caller_name_queue (caller_name, urgency, created_at, id), declared on the model too: a common
  name (张先生) has thousands of cases, and the queue shows them urgent first, then newest; in that order
  the page is read straight off the index (bench/phone_search.py at 1,000,000 cases: p99 430 ms with
  (caller_name, created_at), 41 ms with this one).

* ticket_claims: one running claim per case (who works on it, until when), ticketing.claims.

Revision ID: 0017
Revises: 0011
Create Date: 2026-12-04 19:10:00
"""

import sqlalchemy as sa
from alembic import op

import hotline.database

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

TAIL = {"postgresql": "right(caller_phone, 4)", "sqlite": "substr(caller_phone, -4)"}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute(f"CREATE INDEX ix_tickets_caller_tail_expr ON tickets ({TAIL[dialect]}, created_at)")
    op.create_index("ix_tickets_caller_name_queue", "tickets", ["caller_name", "urgency", "created_at", "id"])
    op.create_table(
        "ticket_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("user_name", sa.String(length=100), nullable=False),
        sa.Column("claimed_at", hotline.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", hotline.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_claims_ticket_id_tickets")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_ticket_claims_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_claims")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_ticket_claims_ticket_id")),
    )
    op.create_index(op.f("ix_ticket_claims_expires_at"), "ticket_claims", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_ticket_claims_expires_at"), table_name="ticket_claims")
    op.drop_table("ticket_claims")
    op.drop_index("ix_tickets_caller_name_queue", table_name="tickets")
    op.execute("DROP INDEX ix_tickets_caller_tail_expr")

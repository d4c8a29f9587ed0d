"""access audit and login attempts (issue 16)

access_records: every look at personal data (recording byte ranges served, unmasked caller numbers shown,
caller lookups) and account events (login locks, unlocks), listed by caller or case for supervisors.
login_attempts: failed and successful logins by username and client address; login throttling counts them
in a sliding window, so a lock needs no state that could be left behind.

Revision ID: 0015
Revises: 0011
Create Date: 2026-12-04 19:00:00
"""

import sqlalchemy as sa
from alembic import op

import hotline.database

revision = "0015"
down_revision = "0012"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "access_records",
        sa.Column("id", ID, primary_key=True),
        sa.Column("at", hotline.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(100), nullable=False),
        sa.Column("actor_role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("ticket_number", sa.String(32), nullable=True),
        sa.Column("caller", sa.String(40), nullable=True),
        sa.Column("client", sa.String(64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_access_records_at", "access_records", ["at"])
    op.create_index("ix_access_records_action", "access_records", ["action"])
    op.create_index("ix_access_records_caller_at", "access_records", ["caller", "at"])
    op.create_index("ix_access_records_ticket_at", "access_records", ["ticket_number", "at"])
    op.create_table(
        "login_attempts",
        sa.Column("id", ID, primary_key=True),
        sa.Column("at", hotline.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_login_attempts_username_at", "login_attempts", ["username", "at"])
    op.create_index("ix_login_attempts_client_at", "login_attempts", ["client", "at"])


def downgrade() -> None:
    op.drop_table("login_attempts")
    op.drop_table("access_records")

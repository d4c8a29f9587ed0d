"""Phone calls (calls): one row per SIP call, the due-rows the call sweep takes up again

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 19:00:00
"""

import sqlalchemy as sa
from alembic import op

import hotline.database

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sip_call_id", sa.String(length=128), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("caller", sa.String(length=32), nullable=True),
        sa.Column("caller_raw", sa.String(length=128), nullable=True),
        sa.Column("callee", sa.String(length=64), nullable=True),
        sa.Column("worker", sa.String(length=64), nullable=True),
        sa.Column("started_at", hotline.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", hotline.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", hotline.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ivr_path", sa.JSON(), nullable=False),
        sa.Column("digits", sa.String(length=64), nullable=False),
        sa.Column("menu_choice", sa.String(length=16), nullable=True),
        sa.Column("ticket_type", sa.String(length=16), nullable=True),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("recording_path", sa.String(length=500), nullable=True),
        sa.Column("recording_seconds", sa.Float(), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("transcript", sa.Text(), nullable=True),
        sa.Column("transcript_status", sa.String(length=16), nullable=False),
        sa.Column("transcript_engine", sa.String(length=32), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", hotline.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ticket_number", sa.String(length=32), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("updated_at", hotline.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
        sa.UniqueConstraint("sip_call_id", name=op.f("uq_calls_sip_call_id")),
    )
    op.create_index("ix_calls_status_next_attempt", "calls", ["status", "next_attempt_at"], unique=False)
    op.create_index("ix_calls_started", "calls", ["started_at"], unique=False)
    op.create_index(op.f("ix_calls_ticket_number"), "calls", ["ticket_number"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_calls_ticket_number"), table_name="calls")
    op.drop_index("ix_calls_started", table_name="calls")
    op.drop_index("ix_calls_status_next_attempt", table_name="calls")
    op.drop_table("calls")

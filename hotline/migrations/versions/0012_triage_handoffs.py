"""triage: emergency hand-off records (转警/转急救) of cases handed to 110/119/120/122

Revision ID: 0012
Revises: 0013
Create Date: 2026-12-04 19:30:00
"""

import sqlalchemy as sa
from alembic import op

import hotline.database

revision = "0012"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "triage_handoffs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column("service", sa.String(8), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("agent_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("agent_name", sa.String(100), nullable=False),
        sa.Column("at", hotline.database.UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_triage_handoffs_ticket_id", "triage_handoffs", ["ticket_id"])


def downgrade() -> None:
    op.drop_index("ix_triage_handoffs_ticket_id", table_name="triage_handoffs")
    op.drop_table("triage_handoffs")

"""ACD live calls: agent phone registrations, the bridged call's recordings and case, live transcript parts

Issue 13's SIP side: acd_registrations (where an agent phone is reachable), three columns on
acd_queue_calls (recording_path, live_audio_path, ticket_id) and acd_transcript_parts.

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-05 14:40:00
"""

import sqlalchemy as sa
from alembic import op

import hotline.database

revision = "0020"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "acd_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("contact", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=True),
        sa.Column("user_agent", sa.String(length=200), nullable=True),
        sa.Column("registered_at", hotline.database.UTCDateTime(), nullable=False),
        sa.Column("expires_at", hotline.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id"),
    )
    op.create_table(
        "acd_transcript_parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("queue_call_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("start_seconds", sa.Float(), nullable=True),
        sa.Column("end_seconds", sa.Float(), nullable=True),
        sa.Column("updated_at", hotline.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["queue_call_id"], ["acd_queue_calls.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_acd_transcript_parts_call_seq", "acd_transcript_parts", ["queue_call_id", "seq"],
                    unique=True)
    with op.batch_alter_table("acd_queue_calls") as batch_op:
        batch_op.add_column(sa.Column("recording_path", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("live_audio_path", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("ticket_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_acd_queue_calls_ticket_id", "tickets", ["ticket_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("acd_queue_calls") as batch_op:
        batch_op.drop_constraint("fk_acd_queue_calls_ticket_id", type_="foreignkey")
        batch_op.drop_column("ticket_id")
        batch_op.drop_column("live_audio_path")
        batch_op.drop_column("recording_path")
    op.drop_index("ix_acd_transcript_parts_call_seq", table_name="acd_transcript_parts")
    op.drop_table("acd_transcript_parts")
    op.drop_table("acd_registrations")

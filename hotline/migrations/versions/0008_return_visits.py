"""Return visits (回访): due-rows per closed case and round, their attempts, opt-outs, unmatched SMS replies

Revision ID: 0008
Revises: 0009
Create Date: 2026-11-23 19:30:00
"""

import sqlalchemy as sa
from alembic import op

import hotline.database

revision = "0008"
down_revision = "0009"
branch_labels = None
depends_on = None

UTC = hotline.database.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "return_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("ticket_number", sa.String(length=32), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", UTC, nullable=False),
        sa.Column("lease_until", UTC, nullable=True),
        sa.Column("claim", sa.String(length=32), nullable=True),
        sa.Column("call_attempts", sa.Integer(), nullable=False),
        sa.Column("sms_attempts", sa.Integer(), nullable=False),
        sa.Column("sms_ref", sa.String(length=64), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("satisfaction", sa.String(length=24), nullable=True),
        sa.Column("channel", sa.String(length=8), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("finished_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_return_visits_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_visits")),
        sa.UniqueConstraint("ticket_id", "round", name="uq_return_visits_ticket_round"),
    )
    op.create_index("ix_return_visits_status_due", "return_visits", ["status", "due_at"], unique=False)
    op.create_index(op.f("ix_return_visits_ticket_number"), "return_visits", ["ticket_number"], unique=False)
    op.create_index(op.f("ix_return_visits_phone"), "return_visits", ["phone"], unique=False)
    op.create_index(op.f("ix_return_visits_sms_ref"), "return_visits", ["sms_ref"], unique=False)
    op.create_table(
        "visit_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("started_at", UTC, nullable=False),
        sa.Column("ended_at", UTC, nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("digit", sa.String(length=8), nullable=True),
        sa.Column("ref", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["visit_id"], ["return_visits.id"],
                                name=op.f("fk_visit_attempts_visit_id_return_visits")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_attempts")),
    )
    op.create_index(op.f("ix_visit_attempts_visit_id"), "visit_attempts", ["visit_id"], unique=False)
    op.create_table(
        "visit_opt_outs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_opt_outs")),
        sa.UniqueConstraint("phone", name=op.f("uq_visit_opt_outs_phone")),
    )
    op.create_table(
        "visit_unmatched_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("message_ref", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_unmatched_replies")),
        sa.UniqueConstraint("message_ref", name=op.f("uq_visit_unmatched_replies_message_ref")),
    )


def downgrade() -> None:
    op.drop_table("visit_unmatched_replies")
    op.drop_table("visit_opt_outs")
    op.drop_index(op.f("ix_visit_attempts_visit_id"), table_name="visit_attempts")
    op.drop_table("visit_attempts")
    op.drop_index(op.f("ix_return_visits_sms_ref"), table_name="return_visits")
    op.drop_index(op.f("ix_return_visits_phone"), table_name="return_visits")
    op.drop_index(op.f("ix_return_visits_ticket_number"), table_name="return_visits")
    op.drop_index("ix_return_visits_status_due", table_name="return_visits")
    op.drop_table("return_visits")

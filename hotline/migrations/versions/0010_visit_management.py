"""Return visit management: reasons and authors of opt-outs, handling of unmatched SMS replies, audit trail

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-03 08:20:00
"""

import sqlalchemy as sa
from alembic import op

import hotline.database

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None

UTC = hotline.database.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("visit_opt_outs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("created_by", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_visit_opt_outs_created_by_users"), "users", ["created_by"], ["id"])

    with op.batch_alter_table("visit_unmatched_replies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=16), server_default="open", nullable=False))
        batch_op.add_column(sa.Column("visit_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("handled_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("handled_at", UTC, nullable=True))
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f("ix_visit_unmatched_replies_status"), ["status"], unique=False)
        batch_op.create_foreign_key(op.f("fk_visit_unmatched_replies_visit_id_return_visits"), "return_visits",
                                    ["visit_id"], ["id"])
        batch_op.create_foreign_key(op.f("fk_visit_unmatched_replies_handled_by_users"), "users",
                                    ["handled_by"], ["id"])
    # STOP replies were logged here before; their opt-out was made at once, so nothing is left to handle.
    op.execute("UPDATE visit_unmatched_replies SET status = 'opt_out' WHERE reason = 'stop'")

    op.create_table(
        "visit_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("ticket_number", sa.String(length=32), nullable=True),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("reply_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_visit_audit_actor_id_users")),
        sa.ForeignKeyConstraint(["visit_id"], ["return_visits.id"],
                                name=op.f("fk_visit_audit_visit_id_return_visits")),
        sa.ForeignKeyConstraint(["reply_id"], ["visit_unmatched_replies.id"],
                                name=op.f("fk_visit_audit_reply_id_visit_unmatched_replies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_audit")),
    )
    op.create_index(op.f("ix_visit_audit_at"), "visit_audit", ["at"], unique=False)
    op.create_index("ix_visit_audit_phone_at", "visit_audit", ["phone", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_visit_audit_phone_at", table_name="visit_audit")
    op.drop_index(op.f("ix_visit_audit_at"), table_name="visit_audit")
    op.drop_table("visit_audit")
    with op.batch_alter_table("visit_unmatched_replies", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_visit_unmatched_replies_handled_by_users"), type_="foreignkey")
        batch_op.drop_constraint(op.f("fk_visit_unmatched_replies_visit_id_return_visits"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_visit_unmatched_replies_status"))
        batch_op.drop_column("note")
        batch_op.drop_column("handled_at")
        batch_op.drop_column("handled_by")
        batch_op.drop_column("visit_id")
        batch_op.drop_column("status")
    with op.batch_alter_table("visit_opt_outs", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_visit_opt_outs_created_by_users"), type_="foreignkey")
        batch_op.drop_column("created_by")
        batch_op.drop_column("reason")

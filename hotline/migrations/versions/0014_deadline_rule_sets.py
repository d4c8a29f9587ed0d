"""deadline rule sets: complexity and channel keys on rules, their audit trail, per-ticket limits

* deadline_rules gains complexity and channel (NULL = any); the unique key includes them.
* deadline_rule_changes: who changed which rule of which rule set, before → after, and why.
* tickets gain complexity (简单/一般/复杂, default general), reply_due_at (the 答复 limit), rule_set (the
  locality whose rules the case got) and limits (those rules, JSON). Existing cases keep NULL reply_due_at
  and limits: they had one handling deadline, which stays their close limit (no table rewrite).

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-04 19:30:00
"""

import sqlalchemy as sa
from alembic import op

import hotline.database

revision = "0014"
down_revision = "0015"
branch_labels = None
depends_on = None

OLD_KEY = ["locality", "kind", "ticket_type", "urgency"]


def upgrade() -> None:
    with op.batch_alter_table("deadline_rules") as batch:
        batch.add_column(sa.Column("complexity", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("channel", sa.String(length=16), nullable=True))
        batch.drop_constraint("uq_deadline_rules_key", type_="unique")
        batch.create_unique_constraint("uq_deadline_rules_key", [*OLD_KEY, "complexity", "channel"])
    op.create_table(
        "deadline_rule_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", hotline.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("locality", sa.String(length=64), nullable=False),
        sa.Column("rule", sa.String(length=120), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("reason", sa.String(length=400), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_deadline_rule_changes_actor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_rule_changes")),
    )
    op.create_index(op.f("ix_deadline_rule_changes_at"), "deadline_rule_changes", ["at"], unique=False)
    op.add_column("tickets", sa.Column("reply_due_at", hotline.database.UTCDateTime(timezone=True), nullable=True))
    op.add_column("tickets", sa.Column("complexity", sa.String(length=16), server_default="general",
                                       nullable=False))
    op.add_column("tickets", sa.Column("rule_set", sa.String(length=64), nullable=True))
    op.add_column("tickets", sa.Column("limits", sa.JSON(), nullable=True))


def downgrade() -> None:
    for column in ("limits", "rule_set", "complexity", "reply_due_at"):  # SQLite 3.35+: plain DROP COLUMN
        op.drop_column("tickets", column)
    op.drop_index(op.f("ix_deadline_rule_changes_at"), table_name="deadline_rule_changes")
    op.drop_table("deadline_rule_changes")
    op.execute("DELETE FROM deadline_rules WHERE complexity IS NOT NULL OR channel IS NOT NULL")
    with op.batch_alter_table("deadline_rules") as batch:
        batch.drop_constraint("uq_deadline_rules_key", type_="unique")
        batch.create_unique_constraint("uq_deadline_rules_key", OLD_KEY)
        batch.drop_column("channel")
        batch.drop_column("complexity")

"""IVR prompt texts editable by admins (ivr_prompts)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 10:00:00
"""

import sqlalchemy as sa
from alembic import op

import hotline.database

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ivr_prompts",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", hotline.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"], name=op.f("fk_ivr_prompts_updated_by_users")),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_ivr_prompts")),
    )


def downgrade() -> None:
    op.drop_table("ivr_prompts")

"""matter catalogue: 属地 level, emergency service and keywords per category; gazetteer; catalogue versions

* categories.local_level — "district" | "street" when the matter goes to where it happens (属地), else NULL.
* categories.emergency — 110 | 119 | 120 | 122 when the matter is inherently an emergency.
* categories.keywords — space-separated colloquial cues.
* places — the gazetteer (district → street → community, roads) with aliases.
* catalogue_versions / catalogue_changes — every import or console edit of the catalogue, departments
  or gazetteer: a numbered version (who, when, what) and its rows (before/after).

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-04 19:00:00
"""

import sqlalchemy as sa
from alembic import op

import hotline.database

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("categories") as batch:
        batch.add_column(sa.Column("local_level", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("emergency", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("keywords", sa.Text(), server_default="", nullable=False))
    op.create_table(
        "places",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent_code", sa.String(length=64), nullable=True),
        sa.Column("aliases", sa.Text(), server_default="", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_places"),
        sa.UniqueConstraint("code", name="uq_places_code"),
    )
    op.create_index("ix_places_kind", "places", ["kind"])
    op.create_index("ix_places_parent_code", "places", ["parent_code"])
    op.create_table(
        "catalogue_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("created_at", hotline.database.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("users.id", name="fk_catalogue_versions_actor_id_users"),
                  nullable=True),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("added", sa.Integer(), server_default="0", nullable=False),
        sa.Column("changed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("removed", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_catalogue_versions"),
        sa.UniqueConstraint("number", name="uq_catalogue_versions_number"),
    )
    op.create_table(
        "catalogue_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(),
                  sa.ForeignKey("catalogue_versions.id", name="fk_catalogue_changes_version_id_catalogue_versions"),
                  nullable=False),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_catalogue_changes"),
    )
    op.create_index("ix_catalogue_changes_version_id", "catalogue_changes", ["version_id"])


def downgrade() -> None:
    op.drop_index("ix_catalogue_changes_version_id", table_name="catalogue_changes")
    op.drop_table("catalogue_changes")
    op.drop_table("catalogue_versions")
    op.drop_index("ix_places_parent_code", table_name="places")
    op.drop_index("ix_places_kind", table_name="places")
    op.drop_table("places")
    with op.batch_alter_table("categories") as batch:
        batch.drop_column("keywords")
        batch.drop_column("emergency")
        batch.drop_column("local_level")

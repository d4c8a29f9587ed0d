"""calls keep the recognizer's raw text and the transcript's timed segments (issue 14)

* transcript_raw      — the engine's own text when post-correction (numbers, near-homophones of the
  hotline vocabulary) changed it; NULL when nothing was changed. The ticket carries the corrected text.
* transcript_segments — [{start, end, text, confidence}] in seconds, so the console can play a recording
  from the sentence a caseworker clicks.
* transcript_corrections — what post-correction changed ([{heard, term, cost, ...}]).

Revision ID: 0018
Revises: 0011
Create Date: 2026-12-04 19:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("transcript_raw", sa.Text(), nullable=True))
        batch.add_column(sa.Column("transcript_segments", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("transcript_corrections", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("transcript_corrections")
        batch.drop_column("transcript_segments")
        batch.drop_column("transcript_raw")

"""indexes for the department reports (三率) over a period

* ix_assignments_lead_assigned on ticket_assignments (assigned_at, department_id), lead assignments only:
  响应率 reads the lead assignments made in the period instead of scanning every assignment.
* ix_tickets_closed on tickets (closed_at, lead_department_id), closed cases only: 解决率, 满意率 and
  按时办结率 read the cases closed in the period, however long ago they were registered.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 18:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_assignments_lead_assigned", "ticket_assignments", ["assigned_at", "department_id"], "role = 'lead'"),
    ("ix_tickets_closed", "tickets", ["closed_at", "lead_department_id"], "closed_at IS NOT NULL"),
]


def upgrade() -> None:
    for name, table, columns, where in INDEXES:
        predicate = sa.text(where)
        op.create_index(name, table, columns, postgresql_where=predicate, sqlite_where=predicate)


def downgrade() -> None:
    for name, table, _, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)

"""indexes for ticket queue listings at 1,000,000 tickets (found by bench/tickets.py)

Open cases are a few percent of all tickets, so the open queues get small partial indexes that already hold
the order the lists ask for (the planner then reads the first page straight off an index instead of
sorting tens of thousands of wide rows):

* ix_tickets_open_queue   (urgency, created_at, id)  order=queue of open cases (scanned backwards)
* ix_tickets_open_created (created_at, id)           newest open cases; light filters ordered by newest
* ix_tickets_open_due     (due_at, id)               light filters ordered by due; the deadline sweep
* ix_tickets_dept_created (lead_department_id, created_at, id)  one department's cases, newest first
* ix_assignments_dept_ticket on ticket_assignments (department_id, ticket_id), live assignments only:
  the department staff view's EXISTS probe becomes an index-only lookup.
* PostgreSQL: a larger statistics sample for the department columns (see STATISTICS below).

The partial predicate lists the open statuses (ticketing.enums.OPEN_STATUSES at the time of writing); a
query filtering on a subset of them is proved to match it by the planner. If a new open status is added
later, queries including it simply stop using these indexes (still correct) until a migration widens them.

PostgreSQL: plain CREATE INDEX inside the migration's transaction (writes to tickets wait while it runs,
a few seconds at 1,000,000 tickets). SQLite gets the same partial indexes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 18:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

OPEN = ("registered", "triaged", "dispatched", "returned", "accepted", "replied")
OPEN_PREDICATE = "status IN ({})".format(", ".join(f"'{s}'" for s in OPEN))
LIVE_ASSIGNMENT = "status <> 'withdrawn'"

INDEXES = [
    # name, table, columns, partial predicate or None
    ("ix_tickets_open_queue", "tickets", ["urgency", "created_at", "id"], OPEN_PREDICATE),
    ("ix_tickets_open_created", "tickets", ["created_at", "id"], OPEN_PREDICATE),
    ("ix_tickets_open_due", "tickets", ["due_at", "id"], OPEN_PREDICATE),
    ("ix_tickets_dept_created", "tickets", ["lead_department_id", "created_at", "id"], None),
    ("ix_assignments_dept_ticket", "ticket_assignments", ["department_id", "ticket_id"], LIVE_ASSIGNMENT),
]


# PostgreSQL keeps 100 most common values per column by default; with a few hundred departments the rest
# are all guessed at the average, so a department with 6 cases was planned like one with 2,800 and its staff
# view scanned the whole table (4 s). A larger sample lets the planner see every department.
STATISTICS = [("ticket_assignments", "department_id"), ("tickets", "lead_department_id")]
STATISTICS_TARGET = 1000


def upgrade() -> None:
    for name, table, columns, where in INDEXES:
        predicate = sa.text(where) if where else None
        op.create_index(name, table, columns, unique=False, postgresql_where=predicate, sqlite_where=predicate)
    if op.get_bind().dialect.name == "postgresql":
        for table, column in STATISTICS:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS {STATISTICS_TARGET}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, column in STATISTICS:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS -1")
    for name, table, _, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)

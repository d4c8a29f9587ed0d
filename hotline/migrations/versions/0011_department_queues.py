"""department staff queues read from the department's own assignments (found by bench/tickets.py)

Department staff see the cases their unit takes part in (a live assignment). At 1,000,000 tickets the
"newest first" list scanned tickets newest-first and probed the assignment index per row (~18,000 probes and
up to 1.8 s for a department with ~2,800 cases), and the open queue read all ~35,000 open cases: nothing on
the assignment row said how the department's cases are ordered or whether they are still open. Two copies
of ticket facts go onto ticket_assignments:

* ticket_created_at — the ticket's created_at (it never changes).
* ticket_urgency    — the ticket's urgency; ticketing.service.save_tickets updates the ticket's assignments
  when a write changes the urgency of a dispatched case (today triage happens before dispatch only).
* ticket_open       — whether the ticket's status is open; ticketing.flows.common.transition updates the
  ticket's assignments whenever a transition moves the ticket between open and closed/merged.

and two partial indexes over live assignments:

* ix_assignments_dept_newest (department_id, ticket_created_at, ticket_id): "all my cases, newest first"
  reads the department's newest assignments straight off the index (PostgreSQL plan in ticketing/service.py).
* ix_assignments_dept_open (department_id, ticket_urgency, ticket_created_at, ticket_id) WHERE ticket_open:
  the open queue (urgent first, then newest) of a department is read off the index in its order, instead
  of from every open case of the city (the busiest unit holds ~2,300 open cases, a small one a few).

PostgreSQL also gets a smaller pending list for the full-text GIN index (gin_pending_list_limit 256 kB
instead of 4 MB). Every ticket UPDATE that is not HOT (any status change) adds the row's ~60 words to that
list; every search reads the whole list, so after a few thousand writes single searches took 100 ms more,
until a writer paid for merging 4 MB at once.

Existing rows are filled from tickets. On SQLite the NOT NULL change rebuilds ticket_assignments (batch
mode); its partial indexes are dropped first and recreated after, so their WHERE clauses are kept.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 08:30:00
"""

import sqlalchemy as sa
from alembic import op

import hotline.database

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

OPEN = ("registered", "triaged", "dispatched", "returned", "accepted", "replied")
OPEN_PREDICATE = "status IN ({})".format(", ".join(f"'{s}'" for s in OPEN))
LIVE = "status <> 'withdrawn'"

NEW_INDEXES = [
    ("ix_assignments_dept_newest", ["department_id", "ticket_created_at", "ticket_id"], LIVE),
    ("ix_assignments_dept_open", ["department_id", "ticket_urgency", "ticket_created_at", "ticket_id"],
     f"{LIVE} AND ticket_open"),
]
# Partial indexes of earlier migrations (0003, 0005) that a SQLite batch rebuild must not turn into full ones.
OLD_PARTIAL = [
    ("ix_assignments_dept_ticket", ["department_id", "ticket_id"], LIVE),
    ("ix_assignments_lead_assigned", ["assigned_at", "department_id"], "role = 'lead'"),
]
GIN_INDEX = "ix_tickets_search_tsv"
GIN_PENDING_KB = 256


def _create(indexes) -> None:
    for name, columns, where in indexes:
        predicate = sa.text(where)
        op.create_index(name, "ticket_assignments", columns, postgresql_where=predicate, sqlite_where=predicate)


def _drop(indexes) -> None:
    for name, _, _ in reversed(indexes):
        op.drop_index(name, table_name="ticket_assignments")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("ticket_assignments", sa.Column("ticket_created_at", hotline.database.UTCDateTime(),
                                                  nullable=True))
    op.add_column("ticket_assignments", sa.Column("ticket_urgency", sa.String(length=16),
                                                  server_default="normal", nullable=False))
    op.add_column("ticket_assignments", sa.Column("ticket_open", sa.Boolean(), server_default=sa.true(),
                                                  nullable=False))
    if dialect == "postgresql":
        op.execute(f"UPDATE ticket_assignments AS a SET ticket_created_at = t.created_at, "
                   f"ticket_urgency = t.urgency, ticket_open = t.{OPEN_PREDICATE} FROM tickets AS t WHERE t.id = a.ticket_id")
        op.alter_column("ticket_assignments", "ticket_created_at", nullable=False)
        op.execute(f"ALTER INDEX {GIN_INDEX} SET (gin_pending_list_limit = {GIN_PENDING_KB})")
    else:
        op.execute(f"UPDATE ticket_assignments SET "
                   f"ticket_created_at = (SELECT t.created_at FROM tickets AS t WHERE t.id = ticket_id), "
                   f"ticket_urgency = (SELECT t.urgency FROM tickets AS t WHERE t.id = ticket_id), "
                   f"ticket_open = (SELECT t.{OPEN_PREDICATE} FROM tickets AS t WHERE t.id = ticket_id)")
        _drop(OLD_PARTIAL)
        with op.batch_alter_table("ticket_assignments") as batch:
            batch.alter_column("ticket_created_at", existing_type=hotline.database.UTCDateTime(),
                               nullable=False)
        _create(OLD_PARTIAL)
    _create(NEW_INDEXES)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    _drop(NEW_INDEXES)
    if dialect == "postgresql":
        op.execute(f"ALTER INDEX {GIN_INDEX} RESET (gin_pending_list_limit)")
        op.drop_column("ticket_assignments", "ticket_open")
        op.drop_column("ticket_assignments", "ticket_urgency")
        op.drop_column("ticket_assignments", "ticket_created_at")
    else:
        _drop(OLD_PARTIAL)
        with op.batch_alter_table("ticket_assignments") as batch:
            batch.drop_column("ticket_open")
            batch.drop_column("ticket_urgency")
            batch.drop_column("ticket_created_at")
        _create(OLD_PARTIAL)

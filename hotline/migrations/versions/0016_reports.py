"""reports: report runs and their schedule due-rows, monthly disclosures (audited), early-warning alerts
and their hand-offs to units (issue 15).

Revision ID: 0016
Revises: 0011
Create Date: 2026-12-04 18:56:24.606042
"""

import sqlalchemy as sa
from alembic import op

import hotline.database

revision = '0016'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('disclosures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('created_by_name', sa.String(length=100), nullable=False),
    sa.Column('created_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_by_name', sa.String(length=100), nullable=True),
    sa.Column('published_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosures')),
    sa.UniqueConstraint('month', name=op.f('uq_disclosures_month'))
    )
    op.create_table('report_schedules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('fmt', sa.String(length=8), nullable=False),
    sa.Column('next_due_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lease_until', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_run_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_schedules')),
    sa.UniqueConstraint('kind', 'fmt', name='uq_report_schedules_kind_fmt')
    )
    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('matter', sa.String(length=200), nullable=False),
    sa.Column('district', sa.String(length=64), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('window_start', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('window_end', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('observed', sa.Integer(), nullable=False),
    sa.Column('expected', sa.String(length=16), nullable=False),
    sa.Column('callers', sa.Integer(), nullable=False),
    sa.Column('case_numbers', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_alerts_category_id_categories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts')),
    sa.UniqueConstraint('kind', 'category_id', 'district', 'place', 'window_start', name='uq_alerts_key')
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index('ix_alerts_status_created', ['status', 'created_at'], unique=False)

    op.create_table('alert_handoffs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=100), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=100), nullable=False),
    sa.Column('at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_alert_handoffs_actor_id_users')),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_alert_handoffs_alert_id_alerts')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_alert_handoffs_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_handoffs'))
    )
    with op.batch_alter_table('alert_handoffs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_handoffs_alert_id'), ['alert_id'], unique=False)

    op.create_table('disclosure_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('disclosure_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=100), nullable=False),
    sa.Column('at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_disclosure_events_actor_id_users')),
    sa.ForeignKeyConstraint(['disclosure_id'], ['disclosures.id'], name=op.f('fk_disclosure_events_disclosure_id_disclosures')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_events'))
    )
    with op.batch_alter_table('disclosure_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disclosure_events_disclosure_id'), ['disclosure_id'], unique=False)

    op.create_table('report_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('fmt', sa.String(length=8), nullable=False),
    sa.Column('first_day', sa.String(length=10), nullable=False),
    sa.Column('last_day', sa.String(length=10), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('trigger', sa.String(length=16), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=True),
    sa.Column('requested_by_name', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('file_name', sa.String(length=200), nullable=True),
    sa.Column('file_size', sa.Integer(), nullable=True),
    sa.Column('schedule_key', sa.String(length=64), nullable=True),
    sa.Column('created_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['requested_by'], ['users.id'], name=op.f('fk_report_runs_requested_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_runs')),
    sa.UniqueConstraint('schedule_key', name='uq_report_runs_schedule_key')
    )
    with op.batch_alter_table('report_runs', schema=None) as batch_op:
        batch_op.create_index('ix_report_runs_created', ['created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('report_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_report_runs_created')

    op.drop_table('report_runs')
    with op.batch_alter_table('disclosure_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disclosure_events_disclosure_id'))

    op.drop_table('disclosure_events')
    with op.batch_alter_table('alert_handoffs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_handoffs_alert_id'))

    op.drop_table('alert_handoffs')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_alerts_status_created')

    op.drop_table('alerts')
    op.drop_table('report_schedules')
    op.drop_table('disclosures')

"""Abusive and nuisance callers: incidents, blacklist entries, blocked attempts, audit trail

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-23 19:20:00
"""

import sqlalchemy as sa
from alembic import op

import hotline.database

revision = "0009"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('abuse_incidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('caller', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('ticket_number', sa.String(length=32), nullable=True),
    sa.Column('recording_path', sa.String(length=500), nullable=True),
    sa.Column('excerpt', sa.Text(), nullable=True),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('reported_by', sa.Integer(), nullable=True),
    sa.Column('warned_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_abuse_incidents_call_id_calls')),
    sa.ForeignKeyConstraint(['reported_by'], ['users.id'], name=op.f('fk_abuse_incidents_reported_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_abuse_incidents'))
    )
    op.create_index(op.f('ix_abuse_incidents_call_id'), 'abuse_incidents', ['call_id'], unique=False)
    op.create_index('ix_abuse_incidents_caller_created', 'abuse_incidents', ['caller', 'created_at'], unique=False)
    op.create_index(op.f('ix_abuse_incidents_ticket_number'), 'abuse_incidents', ['ticket_number'], unique=False)
    op.create_table('blacklist_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('caller', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('automatic', sa.Boolean(), nullable=False),
    sa.Column('incident_ids', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('confirmed_by', sa.Integer(), nullable=True),
    sa.Column('starts_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('appeal_status', sa.String(length=16), nullable=False),
    sa.Column('appeal_text', sa.Text(), nullable=True),
    sa.Column('created_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['confirmed_by'], ['users.id'], name=op.f('fk_blacklist_entries_confirmed_by_users')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_blacklist_entries_created_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blacklist_entries'))
    )
    op.create_index('ix_blacklist_caller_status', 'blacklist_entries', ['caller', 'status'], unique=False)
    op.create_index('ix_blacklist_status_expires', 'blacklist_entries', ['status', 'expires_at'], unique=False)
    op.create_table('abuse_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('caller', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_abuse_audit_actor_id_users')),
    sa.ForeignKeyConstraint(['entry_id'], ['blacklist_entries.id'], name=op.f('fk_abuse_audit_entry_id_blacklist_entries')),
    sa.ForeignKeyConstraint(['incident_id'], ['abuse_incidents.id'], name=op.f('fk_abuse_audit_incident_id_abuse_incidents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_abuse_audit'))
    )
    op.create_index('ix_abuse_audit_caller_at', 'abuse_audit', ['caller', 'at'], unique=False)
    op.create_table('blocked_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('caller', sa.String(length=32), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('attempted_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('emergency', sa.Boolean(), nullable=False),
    sa.Column('ticket_number', sa.String(length=32), nullable=True),
    sa.Column('reviewed_by', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_blocked_attempts_call_id_calls')),
    sa.ForeignKeyConstraint(['entry_id'], ['blacklist_entries.id'], name=op.f('fk_blocked_attempts_entry_id_blacklist_entries')),
    sa.ForeignKeyConstraint(['reviewed_by'], ['users.id'], name=op.f('fk_blocked_attempts_reviewed_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blocked_attempts'))
    )
    op.create_index(op.f('ix_blocked_attempts_call_id'), 'blocked_attempts', ['call_id'], unique=False)
    op.create_index('ix_blocked_attempts_caller_at', 'blocked_attempts', ['caller', 'attempted_at'], unique=False)
    op.create_index(op.f('ix_blocked_attempts_entry_id'), 'blocked_attempts', ['entry_id'], unique=False)
    # ### end Alembic commands ###


def downgrade() -> None:
    op.drop_table("blocked_attempts")
    op.drop_table("abuse_audit")
    op.drop_table("blacklist_entries")
    op.drop_table("abuse_incidents")

"""autodash25: indexes for the supervisor's dashboard (a day's flow per hour): audit events by
action, time and user (replaces the index on action alone), receipts by returnStatus and
arrival

Revision ID: 0019_autodash25
Revises: 0018_autogui25
"""

from __future__ import annotations

from alembic import op

revision = "0019_autodash25"
down_revision = "0018_autogui25"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_action"))
        batch_op.create_index("ix_audit_events_action_at_user", ["action", "at", "user_name"],
                              unique=False)
    with op.batch_alter_table("inbound_receipts", schema=None) as batch_op:
        batch_op.create_index("ix_inbound_receipts_status_received",
                              ["return_status", "received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inbound_receipts", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_receipts_status_received")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_action_at_user")
        batch_op.create_index(batch_op.f("ix_audit_events_action"), ["action"], unique=False)

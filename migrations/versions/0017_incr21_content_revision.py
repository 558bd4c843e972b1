"""incr21: a content revision per declaration that the database moves on every change of what
a check reads (head columns, item rows) while a check fingerprint is stored, so a re-check
compares (id, revision, status, fingerprint) instead of reading and hashing every row; and a
reference token (data_revisions) that every change of the reference tables replaces, so the
tables built from them may be kept between checks.

Triggers, not application code: every write path (editor, bulk edit, import, receipts,
transfers, catalogue and legal-quantity fills, plain SQL) moves it. A declaration without a
stored fingerprint is checked anyway, so its writes cost only a primary-key probe (imports).

Revision ID: 0017_incr21
Revises: 0016_suggest
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0017_incr21"
down_revision = "0016_suggest"
branch_labels = None
depends_on = None

# What app.precheck.records reads of a declaration (besides id and status, which the
# fingerprint names itself): batch_id and every CEB head column. A migration that adds a
# checked column recreates these triggers (tests/db/precheck/test_content_revision.py
# changes every column the pre-check reads and fails on any the triggers miss).
HEAD = (
    "batch_id guid app_type app_time app_status order_no ebp_code ebp_name ebc_code ebc_name "
    "logistics_no logistics_code logistics_name cop_no pre_no assure_code ems_no invt_no "
    "ie_flag decl_time customs_code port_code ie_date buyer_id_type buyer_id_number "
    "buyer_name buyer_telephone consignee_address agent_code agent_name area_code area_name "
    "trade_mode traf_mode traf_no voyage_no bill_no loct_no license_no country freight "
    "insured_fee currency wrap_type pack_no gross_weight net_weight note statistics_flag "
    "owner_code owner_name iac_code iac_name traf_name total_package_no pod f_currency "
    "f_flag i_currency i_flag consignee consignee_telephone consignee_district goods_value "
    "discount tax_total actural_paid pay_code pay_name pay_transaction_id payer_name "
    "payer_id_number amount_paid waybill_freight"
).split()
ITEM = (
    "declaration_id gnum item_record_no item_no item_name gcode gname gmodel bar_code country "
    "trade_country currency qty unit qty1 unit1 qty2 unit2 price total_price note"
).split()

_BUMP = ("UPDATE declarations SET content_rev = content_rev + 1 "
         "WHERE id = {row}.declaration_id AND check_fingerprint IS NOT NULL")


def _changed(columns: list[str]) -> str:
    return " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)


def _sqlite() -> list[str]:
    return [
        f"CREATE TRIGGER declarations_content_rev AFTER UPDATE OF {', '.join(HEAD)} "
        "ON declarations FOR EACH ROW WHEN OLD.check_fingerprint IS NOT NULL "
        f"AND ({_changed(HEAD)}) BEGIN "
        "UPDATE declarations SET content_rev = OLD.content_rev + 1 WHERE id = NEW.id; END",
        "CREATE TRIGGER declaration_items_content_rev_ai AFTER INSERT ON declaration_items "
        f"FOR EACH ROW BEGIN {_BUMP.format(row='NEW')}; END",
        "CREATE TRIGGER declaration_items_content_rev_ad AFTER DELETE ON declaration_items "
        f"FOR EACH ROW BEGIN {_BUMP.format(row='OLD')}; END",
        "CREATE TRIGGER declaration_items_content_rev_au AFTER UPDATE ON declaration_items "
        f"FOR EACH ROW WHEN {_changed(ITEM)} BEGIN {_BUMP.format(row='OLD')}; "
        f"{_BUMP.format(row='NEW')} AND NEW.declaration_id IS NOT OLD.declaration_id; END",
    ]


def _postgresql() -> list[str]:
    old = ", ".join(f"OLD.{c}" for c in HEAD)
    new = ", ".join(f"NEW.{c}" for c in HEAD)
    return [
        "CREATE FUNCTION cleardesk_content_rev() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN NEW.content_rev := OLD.content_rev + 1; RETURN NEW; END $$",
        f"CREATE TRIGGER declarations_content_rev BEFORE UPDATE OF {', '.join(HEAD)} "
        "ON declarations FOR EACH ROW WHEN (OLD.check_fingerprint IS NOT NULL "
        f"AND ({old}) IS DISTINCT FROM ({new})) EXECUTE FUNCTION cleardesk_content_rev()",
        "CREATE FUNCTION cleardesk_item_content_rev() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN "
        f"IF TG_OP <> 'INSERT' THEN {_BUMP.format(row='OLD')}; END IF; "
        "IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' "
        "AND NEW.declaration_id IS DISTINCT FROM OLD.declaration_id) THEN "
        f"{_BUMP.format(row='NEW')}; END IF; "
        "RETURN NULL; END $$",
        "CREATE TRIGGER declaration_items_content_rev AFTER INSERT OR DELETE "
        "ON declaration_items FOR EACH ROW EXECUTE FUNCTION cleardesk_item_content_rev()",
        "CREATE TRIGGER declaration_items_content_rev_au AFTER UPDATE ON declaration_items "
        "FOR EACH ROW WHEN (OLD IS DISTINCT FROM NEW) "
        "EXECUTE FUNCTION cleardesk_item_content_rev()",
    ]


# Every table app.reference.store / app.reference.inforce build the check's tables from.
REFERENCE = ("ref_codes", "hs_codes", "positive_list", "ref_editions", "ref_edition_hs",
             "ref_edition_list")


def _reference_sqlite() -> list[str]:
    bump = ("UPDATE data_revisions SET token = lower(hex(randomblob(16))) "
            "WHERE name = 'reference'")
    return [f"CREATE TRIGGER {table}_revision_{short} AFTER {event} ON {table} "
            f"FOR EACH ROW BEGIN {bump}; END"
            for table in REFERENCE
            for short, event in (("ai", "INSERT"), ("au", "UPDATE"), ("ad", "DELETE"))]


def _reference_postgresql() -> list[str]:
    return [
        "CREATE FUNCTION cleardesk_reference_revision() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN UPDATE data_revisions SET token = md5(random()::text || clock_timestamp()::text) "
        "WHERE name = 'reference'; RETURN NULL; END $$",
        *(f"CREATE TRIGGER {table}_revision AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
          f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION cleardesk_reference_revision()"
          for table in REFERENCE),
    ]


def upgrade() -> None:
    # A plain ALTER TABLE … ADD COLUMN (no batch copy of the table: quick on a big database,
    # and the table's SQL stays what a fresh migration makes, which restores compare).
    op.add_column("declarations", sa.Column("content_rev", sa.Integer(), nullable=False,
                                            server_default=sa.text("0")))
    op.create_table(
        "data_revisions",
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_data_revisions")),
    )
    op.execute(sa.text("INSERT INTO data_revisions (name, token) VALUES ('reference', :token)")
               .bindparams(token=uuid.uuid4().hex))
    dialect = op.get_bind().dialect.name
    statements = (_sqlite() + _reference_sqlite() if dialect == "sqlite"
                  else _postgresql() + _reference_postgresql())
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in REFERENCE:
            for short in ("ai", "au", "ad"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_revision_{short}")
        for name in ("declarations_content_rev", "declaration_items_content_rev_ai",
                     "declaration_items_content_rev_ad", "declaration_items_content_rev_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS declarations_content_rev ON declarations")
        op.execute("DROP TRIGGER IF EXISTS declaration_items_content_rev ON declaration_items")
        op.execute(
            "DROP TRIGGER IF EXISTS declaration_items_content_rev_au ON declaration_items")
        op.execute("DROP FUNCTION IF EXISTS cleardesk_content_rev()")
        op.execute("DROP FUNCTION IF EXISTS cleardesk_item_content_rev()")
        for table in REFERENCE:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_revision ON {table}")
        op.execute("DROP FUNCTION IF EXISTS cleardesk_reference_revision()")
    op.drop_table("data_revisions")
    with op.batch_alter_table("declarations") as batch_op:
        batch_op.drop_column("content_rev")

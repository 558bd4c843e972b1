"""Every service that checks a permission, called as every login role.

The role → permission table must match issue 10 (clerk / supervisor / admin), and each service
must refuse exactly the roles without its permission — with PermissionDeniedError before it
touches anything. `test_every_service_is_in_the_matrix` fails when a new service calls
`require()` without a row here: add one to SERVICES.
"""

from __future__ import annotations

import ast
import contextlib
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.autopilot import dashboard as autopilot_dashboard
from app.autopilot import rules as autopilot_rules
from app.autopilot import run as autopilot_run
from app.autopilot import station as autopilot_station
from app.autopilot.exceptions import exception_groups
from app.autopilot.watch import WatchFolder, WatchReport, process_folder
from app.catalogue import entries as cat_entries
from app.catalogue import queue as cat_queue
from app.catalogue import xlsx as cat_xlsx
from app.catalogue.suggest import HsSuggester
from app.db.models import Declaration, SavedView
from app.domain.errors import NotFoundError, PermissionDeniedError, UserFacingError
from app.domain.state_machine import Event, EventKind
from app.intake import profile_store
from app.intake import service as intake_service
from app.intake.mapping import MappingSpec
from app.precheck import problems as precheck_problems
from app.precheck import service as precheck_service
from app.precheck import transitions
from app.precheck.built import BuiltDeclarations
from app.reference import editions as ref_editions
from app.reference import search as ref_search
from app.reference.store import reference_from_db
from app.reports import choices as report_choices
from app.reports import detail as report_detail
from app.reports import evidence as report_evidence
from app.reports import summary as report_summary
from app.reports import tax_reconcile
from app.reports.evidence_sources import default_sources
from app.reports.summary_data import SummaryScope
from app.reports.tax_reconcile import ReconcileScope
from app.rules.s10 import make_s10
from app.security import pii
from app.security.audit_service import AuditFilter, AuditService
from app.security.context import ROLE_PERMISSIONS, Actor, Permission, Role, system_actor
from app.security.maintenance import MaintenanceService
from app.security.passwords import PasswordHasher
from app.security.users import UserService
from app.services import (
    apply_settings,
    bulk_edit,
    changes,
    copy_rows,
    declarations,
    demo,
    editing,
    grid,
    printing,
    routes,
    scanning,
    settings,
    views,
)
from app.services.queries import GRID_BY_KEY, DeclarationFilter
from app.station import arrival as station_arrival
from app.station import bag_manifest as station_bag_manifest
from app.station import bags as station_bags
from app.station import output as station_output
from app.station import printers as station_printers
from app.station import weighing
from app.station.profiles import ThermalProfile
from app.submission import (
    batches,
    deliveries,
    export_flow,
    fixqueue,
    lifecycle,
    outbound,
    receipts_job,
    return_tally,
    summary,
)
from app.submission.exchange import ExchangeFolderTransport
from app.transfer import export as transfer_export
from app.transfer import importer as transfer_importer
from tests.factories import make_declaration
from tests.unit.intake.filemakers import CN_HEADERS, CN_ROWS, write_csv

ROOT = Path(__file__).resolve().parents[3]
P = Permission

# What issue 10 says each role may do.
EXPECTED = {
    Role.CLERK: {P.VIEW, P.IMPORT, P.EDIT, P.CHECK, P.BATCH, P.SUBMIT, P.RECEIPTS, P.PRINT,
                 P.EXPORT},
    Role.SUPERVISOR: {P.VIEW, P.IMPORT, P.EDIT, P.CHECK, P.BATCH, P.SUBMIT, P.RECEIPTS,
                      P.PRINT, P.EXPORT, P.REPORTS, P.UNMASK, P.ACKNOWLEDGE, P.REOPEN,
                      P.AUDIT, P.DEMO, P.ROUTES, P.AUTOPILOT, P.TRANSFER, P.CATALOGUE},
    Role.ADMIN: {P.VIEW, P.USERS, P.SETTINGS, P.BACKUP, P.AUDIT, P.DEMO, P.ROUTES},
}
LOGIN_ROLES = (Role.CLERK, Role.SUPERVISOR, Role.ADMIN)


class Env:
    """What the calls need: a session, a declaration id, a hasher, the database url."""

    def __init__(self, session: Session, decl_id: int, hasher: PasswordHasher, url: str,
                 tmp: Path, sessions: sessionmaker[Session]) -> None:
        self.session = session
        self.decl_id = decl_id
        self.hasher = hasher
        self.url = url
        self.tmp = tmp
        self.sessions = sessions


Call = Callable[[Env, Actor], Any]


def _event(kind: EventKind) -> Call:
    return lambda e, a: transitions.change_status(e.session, a, [e.decl_id], Event(kind),
                                                  strict=False)


def _missing_ok(call: Callable[[], Any]) -> Any:
    """Allowed callers get past the role check to a NotFoundError: that is a pass here."""
    try:
        return call()
    except NotFoundError:
        return None


def _maintenance(e: Env) -> MaintenanceService:
    return MaintenanceService(e.url, e.session.get_bind(), e.sessions)  # type: ignore[arg-type]


def _unit_edition(e: Env) -> Path:
    path = e.tmp / "units.csv"
    path.write_text("code,name_zh\n035,千克\n007,个\n", encoding="utf-8")
    return path


def _open_batch(e: Env) -> str:
    """A new open batch of one ready declaration (made as the system); its number."""
    ready = make_declaration(e.session, status="ready")
    return batches.create_batch(e.session, system_actor(), ids=[ready]).batch_no


# The broker's sender identity, needed to build messages (settings the admin fills in).
BROKER = {"copCode": "5141980XYZ", "copName": "广州清关通报关有限公司",
          "dxpId": "DXPENT0000012345"}


def _route_file(e: Env) -> Path:
    path = e.tmp / "routes.csv"
    path.write_text("province,city,district,code\n广东省,深圳市,,SZ-01\n", encoding="utf-8")
    return path


def _transfer(e: Env) -> dict[str, Any]:
    return {**settings.all_settings(e.session), **BROKER}


def _submitted_batch(e: Env) -> str:
    """An open batch whose messages are recorded (not yet handed over); its number."""
    batch_no = _open_batch(e)
    outbound.record_batch(e.session, system_actor(), batch_no, _transfer(e))
    return batch_no


def _version(e: Env) -> int:
    decl = e.session.get(Declaration, e.decl_id)
    assert decl is not None
    return decl.version


def _waybill(e: Env) -> str:
    decl = e.session.get(Declaration, e.decl_id)
    assert decl is not None and decl.logisticsNo
    return decl.logisticsNo


def _postal_parcel(e: Env) -> int:
    """A declaration whose waybill is a UPU S10 number (it gets a CN22/CN23 form)."""
    return make_declaration(e.session, logisticsNo=make_s10("EA", "12345678"))


def _saved_view(e: Env, a: Actor) -> str:
    e.session.add(SavedView(user_name=a.name, name="Mine", spec={}))
    e.session.flush()
    return "Mine"


def _orders_file(e: Env, a: Actor) -> Path:
    return write_csv(e.tmp / f"orders-{a.role.value}.csv", CN_HEADERS, CN_ROWS)


GRID_COLUMNS = [GRID_BY_KEY["id"], GRID_BY_KEY["buyerIdNumber"]]
FLIGHT = bulk_edit.BulkEdit("set_head", "trafNo", "CA1234")


# name (module.function as written in app/) → (permission, call)
SERVICES: dict[str, tuple[Permission, Call]] = {
    "services.declarations.count_declarations": (
        P.VIEW, lambda e, a: declarations.count_declarations(e.session, a, DeclarationFilter())),
    "services.declarations.status_counts": (
        P.VIEW, lambda e, a: declarations.status_counts(e.session, a)),
    "services.declarations.fetch_page": (
        P.VIEW, lambda e, a: declarations.fetch_page(e.session, a, DeclarationFilter())),
    "services.declarations.get_detail": (
        P.VIEW, lambda e, a: declarations.get_detail(e.session, a, str(e.decl_id))),
    "services.settings.set_setting": (
        P.SETTINGS, lambda e, a: settings.set_setting(e.session, a, "agentName", "X")),
    "reference.editions.import_edition": (
        P.SETTINGS, lambda e, a: ref_editions.import_edition(e.session, a, _unit_edition(e),
                                                             "unit")),
    "reference.editions.list_editions": (
        P.VIEW, lambda e, a: ref_editions.list_editions(e.session, a)),
    "reference.search.search_reference": (
        P.VIEW, lambda e, a: ref_search.search_reference(e.session, a, "hs", "奶粉")),
    "reference.search.table_summaries": (
        P.VIEW, lambda e, a: ref_search.table_summaries(e.session, a)),
    "catalogue.suggest.HsSuggester.suggest": (
        P.VIEW, lambda e, a: HsSuggester().suggest(e.session, a, "保湿面霜 50ml")),
    "services.settings.set_settings": (
        P.SETTINGS, lambda e, a: settings.set_settings(e.session, a, {"agentName": "Y"})),
    "services.demo.add_demo_declarations": (
        P.DEMO, lambda e, a: demo.add_demo_declarations(
            e.session, a, 1, 3, reference_from_db(e.session), {})),
    "precheck.problems.declaration_problems": (
        P.VIEW, lambda e, a: precheck_problems.declaration_problems(e.session, a, e.decl_id)),
    "precheck.problems.problem_counts": (
        P.VIEW, lambda e, a: precheck_problems.problem_counts(e.session, a)),
    "precheck.problems.acknowledge_warning": (
        P.ACKNOWLEDGE, lambda e, a: precheck_problems.acknowledge_warning(
            e.session, a, 999_999, "checked with the buyer")),
    "precheck.problems.batch_tax_total": (
        P.VIEW, lambda e, a: precheck_problems.batch_tax_total(e.session, a, 1)),
    "precheck.service.check_declarations": (
        P.CHECK, lambda e, a: precheck_service.check_declarations(e.session, a, [e.decl_id])),
    "precheck.service.check_built": (
        P.CHECK, lambda e, a: precheck_service.check_built(e.session, a, [e.decl_id],
                                                           BuiltDeclarations())),
    **{f"precheck.transitions.change_status[{kind.value}]": (
        transitions.PERMISSION[kind], _event(kind)) for kind in EventKind},
    "security.users.UserService.list_users": (
        P.USERS, lambda e, a: UserService(e.session, e.hasher).list_users(a)),
    "security.users.UserService.get": (
        P.USERS, lambda e, a: UserService(e.session, e.hasher).get(a, "someone-else")),
    "security.users.UserService.add": (
        P.USERS, lambda e, a: UserService(e.session, e.hasher).add(
            a, "newbie", "clerk", "Amber-field-19")),
    "security.users.UserService.set_active": (
        P.USERS, lambda e, a: UserService(e.session, e.hasher).set_active(a, "other", False)),
    "security.users.UserService.set_role": (
        P.USERS, lambda e, a: UserService(e.session, e.hasher).set_role(a, "other", "clerk")),
    "security.users.UserService.change_password": (
        P.USERS, lambda e, a: UserService(e.session, e.hasher).change_password(
            a, "other", "Violet-bay-35")),
    "security.audit_service.AuditService.verify": (
        P.AUDIT, lambda e, a: AuditService(e.session).verify(a)),
    "security.audit_service.AuditService.list_events": (
        P.AUDIT, lambda e, a: AuditService(e.session).list_events(a, AuditFilter())),
    "security.audit_service.AuditService.count": (
        P.AUDIT, lambda e, a: AuditService(e.session).count(a, AuditFilter())),
    "security.audit_service.AuditService.actions": (
        P.AUDIT, lambda e, a: AuditService(e.session).actions(a)),
    "security.audit_service.AuditService.history": (
        P.VIEW, lambda e, a: AuditService(e.session).history(a, e.decl_id)),
    "security.pii.require_unmask": (
        P.UNMASK, lambda e, a: pii.require_unmask(e.session, a, purpose="export",
                                                  reason="audit sample", count=10)),
    "security.pii.unmask_declaration": (
        P.UNMASK, lambda e, a: pii.unmask_declaration(e.session, a, e.decl_id,
                                                      reason="customs query")),
    "security.maintenance.MaintenanceService.backup": (
        P.BACKUP, lambda e, a: _maintenance(e).backup(
            a, e.tmp / f"b-{a.role.value}.sqlite3", now=datetime(2026, 3, 1))),
    "security.maintenance.MaintenanceService.restore_dump": (
        P.BACKUP, lambda e, a: _maintenance(e).restore_dump(
            a, e.tmp / "missing.dump", now=datetime(2026, 3, 1))),
    "security.maintenance.MaintenanceService.restore_file": (
        P.BACKUP, lambda e, a: MaintenanceService.restore_file(
            a, e.tmp / "missing.sqlite3", e.tmp / "x.sqlite3", now=datetime(2026, 3, 1))),
    "intake.profile_store.save_profile": (
        P.IMPORT, lambda e, a: profile_store.save_profile(
            e.session, a, "JD Global", MappingSpec(), CN_HEADERS)),
    "intake.service.import_file": (
        P.IMPORT, lambda e, a: intake_service.import_file(
            e.session, a, intake_service.ImportRequest(_orders_file(e, a)))),
    "reports.choices.report_choices": (
        P.VIEW, lambda e, a: report_choices.report_choices(e.session, a)),
    "reports.detail.export_declarations": (
        P.EXPORT, lambda e, a: report_detail.export_declarations(
            e.session, a, DeclarationFilter(), e.tmp / f"detail-{a.role.value}.csv")),
    "reports.evidence.export_evidence": (
        P.REPORTS, lambda e, a: report_evidence.export_evidence(
            e.session, a, _open_batch(e), e.tmp / f"evidence-{a.role.value}.zip",
            default_sources(None))),
    "reports.tax_reconcile.reconcile": (
        P.REPORTS, lambda e, a: tax_reconcile.reconcile(e.session, a, ReconcileScope())),
    "submission.deliveries.report_deliveries": (
        P.SUBMIT, lambda e, a: deliveries.report_deliveries(
            e.session, a, [e.decl_id], _transfer(e))),
    "submission.export_flow.send_waybills": (
        P.SUBMIT, lambda e, a: export_flow.send_waybills(e.session, a, _open_batch(e),
                                                         _transfer(e))),
    "submission.export_flow.report_arrival": (
        P.SUBMIT, lambda e, a: export_flow.report_arrival(e.session, a, _open_batch(e),
                                                          _transfer(e))),
    "submission.export_flow.file_manifest": (
        P.SUBMIT, lambda e, a: export_flow.file_manifest(e.session, a, _open_batch(e),
                                                         _transfer(e))),
    "submission.export_flow.report_departure": (
        P.SUBMIT, lambda e, a: export_flow.report_departure(e.session, a, _open_batch(e),
                                                            _transfer(e))),
    "submission.export_flow.flow_status": (
        P.VIEW, lambda e, a: export_flow.flow_status(e.session, a, _open_batch(e))),
    "submission.summary.apply_for_summary": (
        P.SUBMIT, lambda e, a: summary.apply_for_summary(e.session, a, "2026-11",
                                                         _transfer(e))),
    "submission.summary.list_summaries": (
        P.VIEW, lambda e, a: summary.list_summaries(e.session, a)),
    "submission.return_tally.tally_returns": (
        P.SUBMIT, lambda e, a: return_tally.tally_returns(e.session, a, [e.decl_id],
                                                          _transfer(e))),
    "submission.return_tally.list_tallies": (
        P.VIEW, lambda e, a: return_tally.list_tallies(e.session, a)),
    "station.arrival.arrival_batches": (
        P.VIEW, lambda e, a: station_arrival.arrival_batches(e.session, a)),
    "station.arrival.arrival_progress": (
        P.VIEW, lambda e, a: station_arrival.arrival_progress(e.session, a, _open_batch(e))),
    "station.arrival.scan_parcel": (
        P.SUBMIT, lambda e, a: station_arrival.scan_parcel(e.session, a, _submitted_batch(e),
                                                           "EMS1", _transfer(e))),
    "station.arrival.confirm_arrival": (
        P.SUBMIT, lambda e, a: station_arrival.confirm_arrival(e.session, a,
                                                               _submitted_batch(e),
                                                               _transfer(e))),
    "submission.lifecycle._request[cancel]": (
        P.REOPEN, lambda e, a: lifecycle.request_cancellation(
            e.session, a, [e.decl_id], "lost", _transfer(e))),
    "submission.lifecycle._request[return]": (
        P.REOPEN, lambda e, a: lifecycle.request_return(
            e.session, a, [e.decl_id], "returned", _transfer(e))),
    "reports.summary.export_summary": (
        P.REPORTS, lambda e, a: report_summary.export_summary(
            e.session, a, SummaryScope(date(2026, 11, 1), date(2026, 11, 30)),
            e.tmp / f"summary-{a.role.value}.xlsx")),
    "services.apply_settings.apply_settings_to_open": (
        P.EDIT, lambda e, a: apply_settings.apply_settings_to_open(e.session, a)),
    "services.apply_settings.undo_apply_settings": (
        P.EDIT, lambda e, a: apply_settings.undo_apply_settings(
            e.session, a,
            apply_settings.apply_settings_to_open(e.session, system_actor()).run_id)),
    "services.bulk_edit.preview_bulk_edit": (
        P.EDIT, lambda e, a: bulk_edit.preview_bulk_edit(e.session, a, [e.decl_id], FLIGHT)),
    "services.bulk_edit.apply_bulk_edit": (
        P.EDIT, lambda e, a: bulk_edit.apply_bulk_edit(e.session, a, [e.decl_id], FLIGHT)),
    "services.bulk_edit.undo_bulk_edit": (
        P.EDIT, lambda e, a: bulk_edit.undo_bulk_edit(
            e.session, a,
            bulk_edit.apply_bulk_edit(e.session, system_actor(), [e.decl_id], FLIGHT).bulk_id)),
    "services.changes.declaration_change": (
        P.VIEW, lambda e, a: changes.declaration_change(e.session, a, e.decl_id)),
    "services.editing.load_snapshot": (
        P.VIEW, lambda e, a: editing.load_snapshot(e.session, a, e.decl_id)),
    "services.editing.save_declaration": (
        P.EDIT, lambda e, a: editing.save_declaration(
            e.session, a, e.decl_id, _version(e), {"trafNo": "CA1234"})),
    "services.grid.ordered_ids": (
        P.VIEW, lambda e, a: grid.ordered_ids(e.session, a, DeclarationFilter())),
    "services.grid.first_rows": (
        P.VIEW, lambda e, a: grid.first_rows(e.session, a, DeclarationFilter(), GRID_COLUMNS)),
    "services.grid.rows_by_ids": (
        P.VIEW, lambda e, a: grid.rows_by_ids(e.session, a, [e.decl_id], GRID_COLUMNS)),
    "services.copy_rows.rows_as_tsv": (
        P.VIEW, lambda e, a: copy_rows.rows_as_tsv(e.session, a, [e.decl_id], ["id"], "en")),
    "services.printing.check_print": (
        P.PRINT, lambda e, a: printing.check_print(
            e.session, a, printing.Selection(ids=(e.decl_id,)))),
    # The PRINT check of labels and customs forms sits in their shared private helper, so
    # every way into it is checked; both public entry points are called here.
    "services.printing.print_labels": (
        P.PRINT, lambda e, a: printing.print_labels(
            e.session, a, printing.Selection(ids=(e.decl_id,)),
            e.tmp / f"labels-{a.role.value}.pdf")),
    "services.printing.print_customs_forms": (
        P.PRINT, lambda e, a: printing.print_customs_forms(
            e.session, a, printing.Selection(ids=(_postal_parcel(e),)),
            e.tmp / f"cn23-{a.role.value}.pdf")),
    "services.printing.print_manifest": (
        P.PRINT, lambda e, a: printing.print_manifest(
            e.session, a, _open_batch(e), e.tmp / f"manifest-{a.role.value}.pdf")),
    "services.scanning.lookup_scan": (
        P.VIEW, lambda e, a: scanning.lookup_scan(e.session, a, _waybill(e))),
    "services.views.list_views": (
        P.VIEW, lambda e, a: views.list_views(e.session, a)),
    "services.views.save_view": (
        P.VIEW, lambda e, a: views.save_view(e.session, a, "Mine", views.ViewSpec())),
    "services.views.delete_view": (
        P.VIEW, lambda e, a: views.delete_view(e.session, a, _saved_view(e, a))),
    "services.views.filter_choices": (
        P.VIEW, lambda e, a: views.filter_choices(e.session, a)),
    "services.views.status_counts": (
        P.VIEW, lambda e, a: views.status_counts(e.session, a, DeclarationFilter())),
    "submission.batches.batch_candidates": (
        P.BATCH, lambda e, a: batches.batch_candidates(e.session, a)),
    "submission.batches.create_batch": (
        P.BATCH, lambda e, a: batches.create_batch(
            e.session, a, ids=[make_declaration(e.session, status="ready")])),
    "submission.batches.get_batch": (
        P.VIEW, lambda e, a: batches.get_batch(e.session, a, _open_batch(e))),
    "submission.batches.list_batches": (
        P.VIEW, lambda e, a: (_open_batch(e), batches.list_batches(e.session, a))),
    "submission.batches.edit_batch": (
        P.BATCH, lambda e, a: batches.edit_batch(
            e.session, a, _open_batch(e), batches.TransportData(trafNo="CA1234"))),
    "submission.batches.dissolve_batch": (
        P.BATCH, lambda e, a: batches.dissolve_batch(e.session, a, _open_batch(e))),
    "submission.fixqueue.fix_groups": (
        P.VIEW, lambda e, a: fixqueue.fix_groups(e.session, a)),
    "submission.fixqueue.declarations_for_cause": (
        P.VIEW, lambda e, a: fixqueue.declarations_for_cause(e.session, a, "-1")),
    "submission.fixqueue.held_declarations": (
        P.VIEW, lambda e, a: fixqueue.held_declarations(e.session, a)),
    "submission.fixqueue.redeclare": (
        P.EDIT, lambda e, a: fixqueue.redeclare(
            e.session, a, [make_declaration(e.session, status="rejected")])),
    "submission.outbound.record_batch": (
        P.SUBMIT, lambda e, a: outbound.record_batch(e.session, a, _open_batch(e), _transfer(e))),
    "submission.outbound.export_batch_files": (
        P.SUBMIT, lambda e, a: outbound.export_batch_files(
            e.session, a, _submitted_batch(e), e.tmp / f"carry-{a.role.value}")),
    "submission.outbound.deliver_pending": (
        P.SUBMIT, lambda e, a: outbound.deliver_pending(
            e.sessions, a, ExchangeFolderTransport(e.tmp / "exchange"))),
    "services.routes.list_routes": (P.VIEW, lambda e, a: routes.list_routes(e.session, a)),
    "services.routes.import_routes": (P.ROUTES, lambda e, a: routes.import_routes(
        e.session, a, _route_file(e))),
    "submission.receipts_job.process_inbox": (
        P.RECEIPTS, lambda e, a: receipts_job.process_inbox(
            e.sessions, a, ExchangeFolderTransport(e.tmp / "exchange"))),
    "station.weighing.record_weighing": (P.PRINT, lambda e, a: weighing.record_weighing(
        e.session, a, e.decl_id, weighing.Decimal("1.2"), weighing.Tolerance())),
    "station.weighing.latest_weighings": (P.VIEW, lambda e, a: weighing.latest_weighings(
        e.session, a, e.decl_id)),
    "transfer.export.export_transfer": (P.TRANSFER, lambda e, a: transfer_export.export_transfer(
        e.session, a, e.tmp / f"{a.role.value}.cdtransfer", transfer_export.Selection(),
        schema_revision="head")),
    "transfer.importer.import_transfer": (
        P.TRANSFER, lambda e, a: transfer_importer.import_transfer(
            e.session, a, e.tmp / "none.cdtransfer", schema_revision="head")),
    "station.bags.add_to_bag": (P.BATCH, lambda e, a: station_bags.add_to_bag(
        e.session, a, e.decl_id, "755")),
    "station.bags.open_bag_of_route": (P.VIEW, lambda e, a: station_bags.open_bag_of_route(
        e.session, a, "755")),
    "station.bags.close_bag": (P.BATCH, lambda e, a: station_bags.close_bag(
        e.session, a, "BG-NONE", None)),
    "station.bags.list_bags": (P.VIEW, lambda e, a: station_bags.list_bags(e.session, a)),
    "station.bags.get_bag": (P.VIEW, lambda e, a: station_bags.get_bag(
        e.session, a, "BG-NONE")),
    "station.bags.bag_manifest": (P.VIEW, lambda e, a: station_bags.bag_manifest(
        e.session, a)),
    "station.bag_manifest.export_bag_manifest": (
        P.PRINT, lambda e, a: station_bag_manifest.export_bag_manifest(
            e.session, a, e.tmp / f"bags-{a.role.value}.pdf")),
    "station.printers.save_profile": (P.SETTINGS, lambda e, a: station_printers.save_profile(
        e.session, a, ThermalProfile("z"))),
    "station.printers.import_profiles": (
        P.SETTINGS, lambda e, a: station_printers.import_profiles(
            e.session, a, e.tmp / "no-such-printers.json")),
    "station.printers.export_profiles": (
        P.VIEW, lambda e, a: station_printers.export_profiles(
            e.session, a, e.tmp / f"printers-{a.role.value}.json")),
    "station.weighing.list_holds": (P.VIEW, lambda e, a: weighing.list_holds(e.session, a)),
    "station.output.record_job": (P.PRINT, lambda e, a: station_output.record_job(
        e.session, a, ThermalProfile("z"), b"^XA^XZ", kind="parcel")),
    "station.output.deliver_job": (P.PRINT, lambda e, a: station_output.deliver_job(
        e.sessions, a, 999_999)),
    "station.output.deliver_pending_jobs": (
        P.PRINT, lambda e, a: station_output.deliver_pending_jobs(e.sessions, a)),
    "station.weighing.release_hold": (P.ACKNOWLEDGE, lambda e, a: weighing.release_hold(
        e.session, a, e.decl_id, "checked")),
    "autopilot.run.run_once": (P.AUTOPILOT, lambda e, a: autopilot_run.run_once(
        e.session.get_bind(), lambda **_: contextlib.nullcontext(e.session), a,  # type: ignore[arg-type]
        [WatchFolder(e.tmp / "watch")], lang="en")),
    "autopilot.exceptions.exception_groups": (P.VIEW, lambda e, a: exception_groups(
        e.session, a)),
    "autopilot.dashboard.day_flow": (P.REPORTS, lambda e, a: autopilot_dashboard.day_flow(
        e.session, a)),
    "autopilot.rules.save_rule": (P.AUTOPILOT, lambda e, a: autopilot_rules.save_rule(
        e.session, a, f"rule-{a.role.value}", {"size_limit": 5})),
    "autopilot.rules.list_rules": (P.VIEW, lambda e, a: autopilot_rules.list_rules(e.session, a)),
    "autopilot.rules.get_rule": (P.VIEW, lambda e, a: _missing_ok(
        lambda: autopilot_rules.get_rule(e.session, a, "none"))),
    "autopilot.rules.rule_infos": (P.VIEW, lambda e, a: autopilot_rules.rule_infos(
        e.session, a)),
    "autopilot.station.choose_workstation": (
        P.AUTOPILOT, lambda e, a: autopilot_station.choose_workstation(e.session, a, "desk-a")),
    "autopilot.run.set_paused": (P.AUTOPILOT, lambda e, a: autopilot_run.set_paused(
        e.session, a, paused=False)),
    "autopilot.watch.process_folder": (P.IMPORT, lambda e, a: process_folder(
        lambda **_: contextlib.nullcontext(e.session), a, WatchFolder(e.tmp / "watch"),
        lang="en", report=WatchReport())),
    "catalogue.entries.set_entry": (P.EDIT, lambda e, a: cat_entries.set_entry(
        e.session, a, "NO-SUCH", cat_entries.Classification("2106909090"))),
    "catalogue.entries.confirm_entry": (P.CATALOGUE, lambda e, a: cat_entries.confirm_entry(
        e.session, a, "NO-SUCH")),
    "catalogue.entries.find_product": (P.VIEW, lambda e, a: cat_entries.find_product(
        e.session, a, "NO-SUCH")),
    "catalogue.entries.list_products": (P.VIEW, lambda e, a: cat_entries.list_products(
        e.session, a)),
    "catalogue.queue.unclassified_products": (
        P.VIEW, lambda e, a: cat_queue.unclassified_products(e.session, a)),
    "catalogue.queue.classify_product": (P.EDIT, lambda e, a: cat_queue.classify_product(
        e.session, a, "sku:|NO-SUCH", cat_entries.Classification("2106909090"))),
    "catalogue.queue.undo_classification": (
        P.EDIT, lambda e, a: cat_queue.undo_classification(e.session, a, "no-such")),
    "catalogue.xlsx.import_catalogue": (P.CATALOGUE, lambda e, a: cat_xlsx.import_catalogue(
        e.session, a, e.tmp / "no-such-catalogue.xlsx")),
    "catalogue.xlsx.export_catalogue": (P.EXPORT, lambda e, a: cat_xlsx.export_catalogue(
        e.session, a, e.tmp / "catalogue.txt")),
}

# Services that run their own transactions (the test must not hold a write lock meanwhile).
OWN_TRANSACTION = {"security.maintenance.MaintenanceService.backup",
                   "submission.outbound.deliver_pending",
                   "submission.receipts_job.process_inbox",
                   "station.output.deliver_job", "station.output.deliver_pending_jobs"}


def test_role_permissions_are_those_of_the_issue() -> None:
    for role in LOGIN_ROLES:
        assert set(ROLE_PERMISSIONS[role]) == EXPECTED[role], role


@pytest.mark.parametrize("role", LOGIN_ROLES, ids=lambda r: r.value)
@pytest.mark.parametrize("name", sorted(SERVICES))
def test_service_obeys_the_role(
    name: str, role: Role, sessions: sessionmaker[Session], db_url: str, tmp_path: Path,
    hasher: PasswordHasher,
) -> None:
    permission, call = SERVICES[name]
    actor = Actor(name=f"{role.value}-user", role=role, user_id=None, workstation="ws")
    with sessions() as session:
        session.begin()
        decl_id = 0
        if name not in OWN_TRANSACTION:
            decl_id = make_declaration(session)
            UserService(session, hasher).add(Actor("root", Role.ADMIN), "other", "clerk",
                                             "Cedar-lamp-27")
        env = Env(session, decl_id, hasher, db_url, tmp_path, sessions)
        allowed = permission in EXPECTED[role]
        try:
            call(env, actor)
        except PermissionDeniedError:
            assert not allowed, f"{role.value} was refused {name}"
        except UserFacingError:
            assert allowed, f"{role.value} reached {name} without {permission.value}"
        else:
            assert allowed, f"{role.value} may not {name} but it ran"
        finally:
            session.rollback()


def _services_calling_require() -> set[str]:
    """`module.function` (or `module.Class.method`) of every function in app/ that calls
    require(); the core modules of the security area itself are not services."""
    found: set[str] = set()
    skip = {"app/security/context.py", "app/cli/"}
    for path in sorted((ROOT / "app").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if any(rel.startswith(s) for s in skip):
            continue
        module = rel[len("app/"):-len(".py")].replace("/", ".")
        tree = ast.parse(path.read_text(encoding="utf-8"))

        def visit(node: ast.AST, prefix: str, module: str = module) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.ClassDef):
                    visit(child, f"{prefix}{child.name}.")
                elif isinstance(child, ast.FunctionDef):
                    calls = [n for n in ast.walk(child) if isinstance(n, ast.Call)
                             and isinstance(n.func, ast.Name) and n.func.id == "require"]
                    if calls:
                        found.add(f"{module}.{prefix}{child.name}")

        visit(tree, "")
    return found


def test_every_service_is_in_the_matrix() -> None:
    covered = {name.split("[")[0] for name in SERVICES}
    missing = _services_calling_require() - covered
    assert not missing, f"add these services to SERVICES in {__file__}: {sorted(missing)}"

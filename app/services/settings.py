"""Broker settings: our own customs codes (by CEB name) and application settings."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.db.engine import take_turns
from app.db.models import Setting
from app.domain.errors import ValidationError
from app.i18n import N_
from app.security.audit import AUDIT_TURN, record_event
from app.security.context import Actor, Permission, require
from app.services.workstation import read_workstation_settings, write_workstation_setting


@dataclass(frozen=True)
class SettingSpec:
    key: str
    label: str  # English, translatable
    max_len: int = 200


# Keys by CEB name where one exists; our own keys in camelCase too.
SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec("agentCode", N_("Declaring agent code"), 18),
    SettingSpec("agentName", N_("Declaring agent name"), 100),
    SettingSpec("logisticsCode", N_("Logistics company code"), 18),
    SettingSpec("logisticsName", N_("Logistics company name"), 100),
    SettingSpec("copCode", N_("Transmitting company code"), 18),
    SettingSpec("copName", N_("Transmitting company name"), 100),
    SettingSpec("dxpId", N_("Data exchange (DXP) ID"), 30),
    SettingSpec("customsCode", N_("Declaring customs code"), 4),
    SettingSpec("portCode", N_("Port customs code"), 4),
    SettingSpec("tradeMode", N_("Default trade mode"), 4),
    SettingSpec("trafMode", N_("Default transport mode"), 1),
    SettingSpec("country", N_("Default country of departure"), 3),
    SettingSpec("assureCode", N_("Default guarantor code"), 30),
    SettingSpec("senderName", N_("Sender name on labels"), 100),
    SettingSpec("senderAddress", N_("Sender address on labels"), 200),
    SettingSpec("senderPhone", N_("Sender phone on labels"), 30),
    SettingSpec("exchangeDir", N_("Exchange folder"), 1000),
    SettingSpec("sendWaybills", N_("Send the waybills (CEB511) with each batch (yes/no)"), 5),
    SettingSpec("operatorCode", N_("Export site operator code (arrival reports)"), 18),
    SettingSpec("operatorName", N_("Export site operator name (arrival reports)"), 100),
    SettingSpec("loctNo", N_("Export supervised site code"), 10),
    SettingSpec("outboxName", N_("Outbox folder name"), 100),
    SettingSpec("inboxName", N_("Inbox folder name"), 100),
    SettingSpec("exchangeFileMode", N_("Mode of files written to the exchange folder (octal)"),
                5),
    SettingSpec("receiptMaxMB", N_("Largest receipt file read (MB)"), 5),
    SettingSpec("receiptSettleSeconds", N_("Seconds a broken receipt may still be changing"), 5),
    SettingSpec("sdrRate", N_("SDR exchange rate (CNY per SDR)"), 20),
    SettingSpec("printerProfile", N_("Label printer profile"), 100),
    SettingSpec("language", N_("Interface language"), 10),
    SettingSpec("idleLockMinutes", N_("Lock after idle minutes"), 5),
    SettingSpec("backupRetention", N_("Daily backups to keep"), 5),
    SettingSpec("stationName", N_("Station name"), 60),
    SettingSpec("scalePort", N_("Scale port (e.g. /dev/ttyUSB0, COM3)"), 200),
    SettingSpec("scaleBaud", N_("Scale baud rate"), 7),
    SettingSpec("scaleFrame", N_("Scale frame (data bits, parity, stop bits: 8N1)"), 3),
    SettingSpec("scaleFormat", N_("Scale output format (toledo, reversed)"), 20),
    SettingSpec("scaleStableCount", N_("Equal readings for a stable weight"), 3),
    SettingSpec("weightToleranceKg", N_("Weight tolerance (kg)"), 10),
    SettingSpec("weightTolerancePercent", N_("Weight tolerance (% of declared)"), 10),
    SettingSpec("stationPrinter", N_("Station label printer profile"), 100),
    SettingSpec("thermalProfiles", N_("Thermal printer profiles (JSON)"), 20000),
    SettingSpec("updateFolder", N_("Folder with new ClearDesk packages (share or USB stick)"),
                1000),
    SettingSpec("siteCode", N_("Site code (in copNo, batch and message numbers; set once)"), 4),
    SettingSpec("defaultFreight", N_("Freight for files without a freight column"), 20),
    SettingSpec("defaultInsuredFee",
                N_("Insurance fee for files without an insurance fee column"), 20),
    SettingSpec("watchFolders",
                N_("Autopilot watch folders (FOLDER=PROFILE, separated by ;)"), 4000),
    SettingSpec("watchSettleSeconds",
                N_("Seconds a dropped file must stay unchanged before it is imported"), 5),
    SettingSpec("autopilotPaused", N_("Autopilot paused (yes/no)"), 5),
    SettingSpec("autopilotWorkstation",
                N_("Workstation whose window runs the autopilot (its name, as in the audit "
                   "trail)"), 200),
    SettingSpec("receiptOverdueHours",
                N_("Hours without a customs receipt before a sent parcel is an exception"), 5),
)
# Declaration head field → the setting giving its value when an import file has no column for
# it (CEB: "无则填0"). An empty cell in a column the file has stays empty (the pre-check
# reports it): a default must not hide a data error.
IMPORT_DEFAULT_KEYS: dict[str, str] = {"freight": "defaultFreight",
                                       "insuredFee": "defaultInsuredFee"}
STATION_KEYS: tuple[str, ...] = (
    "stationName", "scalePort", "scaleBaud", "scaleFrame", "scaleFormat", "scaleStableCount",
    "weightToleranceKg", "weightTolerancePercent", "stationPrinter",
)
SITE_CODE = "siteCode"
# Settings of one workstation (its folders, devices, language), kept on it: see
# app/services/workstation.py. The rest are the office's, in the database.
WORKSTATION = "workstation"
OFFICE = "office"
WORKSTATION_KEYS: frozenset[str] = frozenset({
    "exchangeDir", "updateFolder", "printerProfile", "stationPrinter", "language",
    "stationName", "scalePort", "scaleBaud", "scaleFrame", "scaleFormat", "scaleStableCount",
})
SETTINGS_BY_KEY: dict[str, SettingSpec] = {s.key: s for s in SETTINGS}

DEFAULTS: dict[str, str] = {
    "tradeMode": "9610",
    "trafMode": "5",
    "currency": "142",
    "outboxName": "outbox",
    "inboxName": "inbox",
    "exchangeFileMode": "0600",
    "receiptMaxMB": "20",
    "receiptSettleSeconds": "5",
    "sdrRate": "9.6",
    "printerProfile": "thermal-100x150",
    "idleLockMinutes": "15",
    "backupRetention": "14",
    "scaleBaud": "9600",
    "scaleFrame": "8N1",
    "scaleFormat": "toledo",
    "scaleStableCount": "3",
    "weightToleranceKg": "0.05",
    "weightTolerancePercent": "5",
    "sendWaybills": "no",
    "defaultFreight": "0",
    "defaultInsuredFee": "0",
    "watchSettleSeconds": "10",
    "autopilotPaused": "no",
    "receiptOverdueHours": "4",
}


def scope_of(key: str) -> str:
    """WORKSTATION or OFFICE."""
    return WORKSTATION if key in WORKSTATION_KEYS else OFFICE


def all_settings(session: Session) -> dict[str, str]:
    """Every setting with defaults filled in (no permission needed: codes are not secret):
    the office's from the database, this workstation's own values over them."""
    values = dict(DEFAULTS)
    for key, value in session.execute(select(Setting.key, Setting.value)):
        if value is not None:
            values[key] = value
    mine = read_workstation_settings(_url(session))
    values.update((k, v) for k, v in mine.items() if k in WORKSTATION_KEYS)
    return values


def workstation_overrides(session: Session) -> dict[str, str]:
    """The workstation settings this workstation set for itself (the rest follow the
    office's default)."""
    mine = read_workstation_settings(_url(session))
    return {k: v for k, v in mine.items() if k in WORKSTATION_KEYS}


def get_setting(session: Session, key: str) -> str | None:
    _spec(key)
    return all_settings(session).get(key)


def set_setting(session: Session, actor: Actor, key: str, value: str, *,
                office: bool = False) -> str:
    """Save a setting in its scope: an office setting in the database; a workstation
    setting on this workstation (`office=True`: its default for every workstation, in the
    database). Returns the scope written. Both are audited."""
    require(actor, Permission.SETTINGS)
    spec = _spec(key)
    value = value.strip()
    if len(value) > spec.max_len:
        raise ValidationError(
            "{key} is too long: at most {max} characters.", key=key, max=spec.max_len
        )
    if value:
        from app.submission.exchange import check_exchange_setting  # the core need not load it

        check_exchange_setting(key, value)
        _check_station_value(key, value)
        _check_import_default(key, value)
    if key == SITE_CODE:
        value = value.upper()
        _check_site_code(session, value)
    if key in WORKSTATION_KEYS and not office:
        before = all_settings(session).get(key)
        record_event(session, actor, "settings.change", entity="setting", entity_id=key,
                     details={"before": before, "after": value, "scope": WORKSTATION})
        # Last: a failed audit leaves the file as it was; a rollback of the caller's
        # transaction (a later setting refused, the commit failing) puts it back.
        url = _url(session)
        _restore_on_rollback(session, url, key, read_workstation_settings(url).get(key))
        write_workstation_setting(url, key, value)
        return WORKSTATION
    # Workstations setting the same key at once take turns (the audit's, taken for the
    # event anyway): the second sees the first's row instead of inserting it again.
    take_turns(session.connection(), AUDIT_TURN)
    old = session.get(Setting, key, populate_existing=True)
    before = old.value if old else None
    if old is None:
        session.add(Setting(key=key, value=value))
    else:
        old.value = value
    record_event(session, actor, "settings.change", entity="setting", entity_id=key,
                 details={"before": before, "after": value})
    return OFFICE


def set_settings(session: Session, actor: Actor, values: Mapping[str, str]) -> None:
    for key, value in values.items():
        set_setting(session, actor, key, value)


def _restore_on_rollback(session: Session, url: str, key: str, old: str | None) -> None:
    """Until the session's transaction ends: on rollback, write `old` back to this
    workstation's file; after a commit, nothing."""
    ended = False

    def restore(_session: Session) -> None:
        nonlocal ended
        if not ended:
            ended = True
            write_workstation_setting(url, key, old)

    def committed(_session: Session) -> None:
        nonlocal ended
        ended = True

    event.listen(session, "after_rollback", restore, once=True)
    event.listen(session, "after_commit", committed, once=True)


def _url(session: Session) -> str:
    return session.get_bind().engine.url.render_as_string(hide_password=False)


def _check_site_code(session: Session, value: str) -> None:
    """A site code is 1-4 letters or digits and is set once: copNo, batch and message
    numbers already issued carry it, so changing it could issue a number twice."""
    if not re.fullmatch(r"[A-Z0-9]{1,4}", value):
        raise ValidationError(N_("The site code is 1 to 4 letters or digits, for example SZ1."))
    old = session.get(Setting, SITE_CODE)
    if old is not None and old.value and old.value != value:
        raise ValidationError(
            N_("This database's site code is {code} and cannot change: copNo, batch and "
               "message numbers already issued carry it."), code=old.value)


def site_code(session: Session) -> str:
    """This database's site code ('' when none was set: numbers as before)."""
    return get_setting(session, SITE_CODE) or ""


def _spec(key: str) -> SettingSpec:
    spec = SETTINGS_BY_KEY.get(key)
    if spec is None:
        raise ValidationError(
            "Unknown setting {key}. Known settings: {known}.",
            key=key,
            known=", ".join(s.key for s in SETTINGS),
        )
    return spec


def _check_import_default(key: str, value: str) -> None:
    """Freight and insurance fee defaults are amounts in yuan, 0 or more."""
    if key not in IMPORT_DEFAULT_KEYS.values():
        return
    try:
        amount = Decimal(value)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0:
        raise ValidationError(N_("{key} must be an amount of 0 or more (got {value})."),
                              key=key, value=value)


def _check_station_value(key: str, value: str) -> None:
    """Station settings are checked when saved, not when the scale or printer is opened."""
    if key == "thermalProfiles":
        from app.station.profiles import parse_profiles

        parse_profiles(value)
    elif key in ("scaleBaud", "scaleFrame", "scaleFormat", "scaleStableCount"):
        from app.station.scale import ScaleSettings

        ScaleSettings.from_settings({key: value})
    elif key in ("weightToleranceKg", "weightTolerancePercent"):
        from app.station.weighing import Tolerance

        Tolerance.from_settings({key: value})

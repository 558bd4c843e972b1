"""Why customs refused a declaration, in words a clerk can act on (the "To fix" view).

Rejections are grouped by cause: the negative code when there is one, else the customs text
normalised (numbers, guids and bracketed details removed) so that "超过限额[3,210.00]" for two
parcels lands in one group.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.i18n import N_, Message

# spec 202205 §7 (表7-2) and domain.md §1.6; explanations say what to do next.
NEGATIVE_CODE_EXPLANATIONS: dict[str, str] = {
    "-621000": N_("The declaration has no items. Add the goods lines and declare again."),
    "-621001": N_("The message failed customs' format check. Check the fields named in the "
                  "customs text, fix them and declare again."),
    "-621002": N_("Customs could not match the order, payment and waybill with this "
                  "declaration. Make sure the platform, payment company and carrier have sent "
                  "their documents, then declare again."),
    "-621003": N_("Customs could not process the declaration. Declare it again; if it keeps "
                  "failing, contact the e-port help desk."),
    "-621004": N_("This declaration was already submitted. Do not send it again as new: "
                  "send an amendment, or check the status of the first one."),
    "-621005": N_("The order exceeds the single-purchase limit (CNY 5,000). Split the order or "
                  "declare it as general trade."),
    "-621013": N_("Customs could not look up the buyer's annual allowance. Declare again later."),
    "-621018": N_("The buyer's annual allowance (CNY 26,000) would be exceeded. The parcel "
                  "cannot go through CBEC for this buyer."),
    "-621027": N_("Two items share the same item number (gnum). Renumber the items 1, 2, 3…"),
    "-621028": N_("The signed data does not match the message. Re-sign and send again."),
    "-621029": N_("The signature is invalid. Check the IC card / UKey in the customs client."),
    "-621030": N_("The message holds more data than customs accepts. Send fewer declarations "
                  "per message."),
    "-301010": N_("An order with this number already exists at customs."),
    "-301011": N_("The order already has a declaration at customs in a conflicting state."),
    "-504012": N_("The waybill already exists at customs."),
}

OTHER_EXPLANATIONS: dict[str, str] = {
    "100": N_("Customs returned the declaration. Read the customs text, fix the declaration "
              "and send an amendment."),
    "4": N_("The e-port could not pass the declaration on to customs. Send it again."),
    "CEB900": N_("The message failed the e-port's format check. Fix it and send again."),
}

_BRACKETS = re.compile(r"[\[(（【][^\])）】]*[\])）】]")
_NUMBERS = re.compile(r"\d+(?:[.,]\d+)*")
_SPACES = re.compile(r"\s+")


def normalise_info(info: str) -> str:
    """Customs text without the parcel-specific parts (numbers, bracketed details)."""
    text = _BRACKETS.sub("", info)
    text = _NUMBERS.sub("#", text)
    return _SPACES.sub(" ", text).strip(" ,;:，；：。.")[:200]


@dataclass(frozen=True)
class Cause:
    key: str  # stable group key
    code: str  # negative code, "100", "4" or "CEB900"
    explanation: Message | None


def cause_of(kind: str, return_status: str, return_info: str) -> Cause:
    """The group a rejection belongs to."""
    code = return_status.strip()
    if code.startswith("-"):
        text = NEGATIVE_CODE_EXPLANATIONS.get(code)
        if text is None and kind == "CEB900":
            text = OTHER_EXPLANATIONS["CEB900"]
        explanation = Message(text) if text else None
        if code in NEGATIVE_CODE_EXPLANATIONS:
            return Cause(code, code, explanation)
        return Cause(f"{code}|{normalise_info(return_info)}", code, explanation)
    text = OTHER_EXPLANATIONS.get(code)
    return Cause(f"{code}|{normalise_info(return_info)}", code,
                 Message(text) if text else None)

"""The classification asked for one product: HS code (with the tariff's completer), legal
quantity per declared unit; the legal units shown as the tariff has them."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.catalogue.entries import Classification
from app.catalogue.queue import UnclassifiedProduct
from app.reference.tables import ReferenceTables
from ui.declarations.completers import CodeCompleter, code_model


class ClassifyDialog(QDialog):
    """Asks gcode and the quantities per unit; `classification()` after Accept."""

    def __init__(self, product: UnclassifiedProduct, refs: ReferenceTables, lang: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.product, self.refs, self.lang = product, refs, lang
        self._build_ui()
        self._connect_signals()
        self._on_gcode_text_changed(self.gcode.text())

    def _build_ui(self) -> None:
        self.setObjectName("classify_dialog")
        self.setWindowTitle(self.tr("Classify goods"))
        layout = QVBoxLayout(self)
        what = QLabel(self.tr("{product}\n{lines} goods line(s) in {declarations} "
                              "declaration(s) wait for it.")
                      .replace("{product}", self.product.label)
                      .replace("{lines}", str(self.product.lines))
                      .replace("{declarations}", str(self.product.declarations)))
        what.setWordWrap(True)
        layout.addWidget(what)
        form = QFormLayout()
        self.gcode = QLineEdit(self.product.catalogue_gcode or "")
        self.gcode.setObjectName("classify_gcode")
        self.gcode.setPlaceholderText(self.tr("HS code or goods name"))
        CodeCompleter(code_model(self.refs, "hs", self.lang, self), self.gcode).attach(
            self.gcode)
        self.hs_name = QLabel()
        self.hs_name.setWordWrap(True)
        self.qty1 = QLineEdit()
        self.qty1.setObjectName("classify_qty1")
        self.qty2 = QLineEdit()
        self.qty2.setObjectName("classify_qty2")
        self.unit1_label, self.unit2_label = QLabel(), QLabel()
        self.error = QLabel()
        self.error.setObjectName("classify_error")
        self.error.setStyleSheet("color: #b00020")
        form.addRow(self.tr("HS code"), self.gcode)
        form.addRow("", self.hs_name)
        form.addRow(self.unit1_label, self.qty1)
        form.addRow(self.unit2_label, self.qty2)
        layout.addLayout(form)
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if ok is not None:
            ok.setText(self.tr("Classify"))
            ok.setObjectName("classify_ok")
        layout.addWidget(self.buttons)
        self.resize(560, 260)

    def _connect_signals(self) -> None:
        self.gcode.textChanged.connect(self._on_gcode_text_changed)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

    def _unit_text(self, code: str | None) -> str:
        name = self.refs.units.name_of(code, "zh_CN") if code else None
        return f"{name} ({code})" if name else (code or "")

    def _on_gcode_text_changed(self, text: str) -> None:
        hs = self.refs.hs(text.strip())
        self.hs_name.setText(hs.name(self.lang) if hs else "")
        unit = self._unit_text(self.product.unit) or self.tr("declared unit")
        for label, edit, legal, nth in (
                (self.unit1_label, self.qty1, hs.unit1 if hs else None, self.tr("first")),
                (self.unit2_label, self.qty2, hs.unit2 if hs else None, self.tr("second"))):
            # Before the HS code is known its legal units are not: say which one it will be.
            shown = self._unit_text(legal) or self.tr("{nth} legal unit").replace("{nth}", nth)
            label.setText(self.tr("{legal} per {unit}").replace("{legal}", shown)
                          .replace("{unit}", unit))
            edit.setEnabled(legal is not None)

    def _number(self, edit: QLineEdit) -> Decimal | None:
        text = edit.text().strip().replace(",", "")
        if not text or not edit.isEnabled():
            return None
        value = Decimal(text)
        if not value.is_finite():
            raise InvalidOperation(text)
        return value

    def classification(self) -> Classification:
        return Classification(self.gcode.text().strip(), self._number(self.qty1),
                              self._number(self.qty2))

    def _on_buttons_accepted(self) -> None:
        if self.refs.hs(self.gcode.text().strip()) is None:
            self.error.setText(self.tr("Enter an HS code of the tariff."))
            return
        try:
            self.classification()
        except InvalidOperation:
            self.error.setText(self.tr("The quantity per unit must be a number."))
            return
        self.accept()


def ask_classification(parent: QWidget, product: UnclassifiedProduct,
                       refs: ReferenceTables, lang: str) -> Classification | None:
    dialog = ClassifyDialog(product, refs, lang, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.classification()

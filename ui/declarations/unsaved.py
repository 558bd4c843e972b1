"""The question asked before a declaration's unsaved edits would be lost: Save / Discard /
Cancel. The editor calls it through its `ask_unsaved` seam (tests replace it)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

SAVE, DISCARD, CANCEL = "save", "discard", "cancel"


def unsaved_changes_box(parent: QWidget) -> QMessageBox:
    """The question asked before unsaved edits would be lost (built apart for screenshots)."""
    box = QMessageBox(QMessageBox.Icon.Warning, parent.tr("Unsaved changes"),
                      parent.tr("This declaration has changes that are not saved."),
                      QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                      | QMessageBox.StandardButton.Cancel, parent)
    box.setObjectName("unsaved_changes_box")
    box.setInformativeText(parent.tr("Save them before leaving it?"))
    box.button(QMessageBox.StandardButton.Save).setText(parent.tr("&Save"))
    box.button(QMessageBox.StandardButton.Discard).setText(parent.tr("&Discard changes"))
    box.button(QMessageBox.StandardButton.Cancel).setText(parent.tr("Cancel"))
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    box.setEscapeButton(QMessageBox.StandardButton.Cancel)
    return box


def ask_unsaved_changes(parent: QWidget) -> str:
    """SAVE, DISCARD or CANCEL (the default seam; tests replace it)."""
    answer = unsaved_changes_box(parent).exec()
    if answer == QMessageBox.StandardButton.Save:
        return SAVE
    if answer == QMessageBox.StandardButton.Discard:
        return DISCARD
    return CANCEL

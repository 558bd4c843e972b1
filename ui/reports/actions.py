"""Reports menu: summary workbook, declaration export, evidence pack."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction

from app.security.context import Permission

if TYPE_CHECKING:
    from ui.main_window import MainWindow
    from ui.reports.dashboard_dialog import DashboardDialog
    from ui.reports.dialog import ReportDialog
    from ui.reports.exceptions_dialog import ExceptionsDialog
    from ui.reports.tax_dialog import TaxReconcileDialog
# The dialogs are imported when opened: they bring Excel, PDF and barcode libraries that the
# main window's first page must not wait for.


class ReportActions:
    """Owns the Reports menu actions of one main window."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        actor = window.ctx.actor
        menu = window.menus["reports"]
        self.summary = QAction(window.tr("&Summary workbook…"), window)
        self.summary.setObjectName("action_report_summary")
        self.summary.setEnabled(actor.can(Permission.REPORTS))
        self.declarations = QAction(window.tr("&Export declarations…"), window)
        self.declarations.setObjectName("action_export_declarations")
        self.declarations.setEnabled(actor.can(Permission.EXPORT))
        self.evidence = QAction(window.tr("Export e&vidence pack…"), window)
        self.evidence.setObjectName("action_export_evidence")
        self.evidence.setEnabled(actor.can(Permission.REPORTS))
        self.tax = QAction(window.tr("&Tax reconciliation…"), window)
        self.tax.setObjectName("action_tax_reconcile")
        self.tax.setEnabled(actor.can(Permission.REPORTS))
        self.exceptions = QAction(window.tr("E&xceptions…"), window)
        self.exceptions.setObjectName("action_exceptions")
        self.exceptions.setShortcut("Ctrl+Shift+X")
        self.dashboard = QAction(window.tr("Today's &flow…"), window)
        self.dashboard.setObjectName("action_dashboard")
        self.dashboard.setEnabled(actor.can(Permission.REPORTS))
        for action in (self.summary, self.declarations, self.evidence, self.tax,
                       self.exceptions, self.dashboard):
            menu.addAction(action)
        self.dashboard.triggered.connect(self._on_dashboard_triggered)
        self.exceptions.triggered.connect(self._on_exceptions_triggered)
        self.tax.triggered.connect(self._on_tax_triggered)
        self.summary.triggered.connect(self._on_summary_triggered)
        self.declarations.triggered.connect(self._on_declarations_triggered)
        self.evidence.triggered.connect(self._on_evidence_triggered)

    def open_dialog(self, kind: str) -> ReportDialog:
        from ui.reports.dialog import ReportDialog

        dialog = ReportDialog(self.window.ctx, kind, self.window.current_filter(), self.window)
        dialog.show()
        return dialog

    def open_tax(self) -> TaxReconcileDialog:
        from ui.reports.tax_dialog import TaxReconcileDialog

        dialog = TaxReconcileDialog(self.window.ctx, self.window)
        dialog.show()
        dialog.run()
        return dialog

    def open_exceptions(self) -> ExceptionsDialog:
        from ui.reports.exceptions_dialog import ExceptionsDialog

        dialog = ExceptionsDialog(self.window.ctx, self.window)
        dialog.show()
        return dialog

    def open_dashboard(self) -> DashboardDialog:
        from ui.reports.dashboard_dialog import DashboardDialog

        dialog = DashboardDialog(self.window.ctx, self.open_exceptions, self.window)
        dialog.show()
        return dialog

    def _on_dashboard_triggered(self) -> None:
        self.open_dashboard()

    def _on_exceptions_triggered(self) -> None:
        self.open_exceptions()

    def _on_tax_triggered(self) -> None:
        self.open_tax()

    def _on_summary_triggered(self) -> None:
        self.open_dialog("summary")

    def _on_declarations_triggered(self) -> None:
        self.open_dialog("declarations")

    def _on_evidence_triggered(self) -> None:
        self.open_dialog("evidence")


def install(window: MainWindow) -> None:
    window.report_actions = ReportActions(window)  # type: ignore[attr-defined]

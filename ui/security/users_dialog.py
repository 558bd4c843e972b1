"""Admin ▸ Users: list accounts, add, enable/disable, reset a password, change a role."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import UserFacingError
from app.i18n import translate
from app.security.context import ROLE_LABELS, Role
from app.security.passwords import PasswordHasher
from app.security.users import LOGIN_ROLES, UserInfo, UserService
from ui.context import GuiContext


class NewUserDialog(QDialog):
    """Name, full name, role and an initial password (the user changes it at first login)."""

    def __init__(self, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Add user"))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("name_edit")
        self.display_edit = QLineEdit()
        self.role_combo = QComboBox()
        self.role_combo.setObjectName("role_combo")
        for role in LOGIN_ROLES:
            self.role_combo.addItem(translate(ROLE_LABELS[role], lang), role.value)
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("password_edit")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(self.tr("User name:"), self.name_edit)
        form.addRow(self.tr("Full name:"), self.display_edit)
        form.addRow(self.tr("Role:"), self.role_combo)
        form.addRow(self.tr("Initial password:"), self.password_edit)
        layout.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def values(self) -> tuple[str, str | None, Role, str]:
        return (self.name_edit.text().strip(), self.display_edit.text().strip() or None,
                Role(self.role_combo.currentData()), self.password_edit.text())


class UsersDialog(QDialog):
    """Account management for administrators. Every change is its own transaction."""

    COLUMNS = ("name", "display", "role", "active", "last_login")

    def __init__(
        self,
        ctx: GuiContext,
        hasher: PasswordHasher | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.hasher = hasher or PasswordHasher()
        self.users: list[UserInfo] = []
        # Seams replaced by tests: dialogs that ask the administrator something.
        self.ask_new_user: Callable[[], tuple[str, str | None, Role, str] | None] = (
            self._ask_new_user
        )
        self.ask_password: Callable[[str], str | None] = self._ask_password
        self.ask_role: Callable[[UserInfo], Role | None] = self._ask_role
        self._build_ui()
        self._connect_signals()
        self.reload()

    def _build_ui(self) -> None:
        self.setWindowTitle(self.tr("Users"))
        self.resize(720, 420)
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setObjectName("users_table")
        self.table.setHorizontalHeaderLabels([
            self.tr("User"), self.tr("Name"), self.tr("Role"), self.tr("Active"),
            self.tr("Last login"),
        ])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table)
        self.error_label = QLabel()
        self.error_label.setObjectName("error_label")
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setWordWrap(True)
        layout.addWidget(self.error_label)
        row = QHBoxLayout()
        self.add_button = QPushButton(self.tr("Add…"))
        self.toggle_button = QPushButton(self.tr("Disable"))
        self.password_button = QPushButton(self.tr("Reset password…"))
        self.role_button = QPushButton(self.tr("Change role…"))
        for button in (self.add_button, self.toggle_button, self.password_button,
                       self.role_button):
            row.addWidget(button)
        row.addStretch(1)
        self.close_button = QPushButton(self.tr("Close"))
        row.addWidget(self.close_button)
        layout.addLayout(row)

    def _connect_signals(self) -> None:
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.toggle_button.clicked.connect(self._on_toggle_button_clicked)
        self.password_button.clicked.connect(self._on_password_button_clicked)
        self.role_button.clicked.connect(self._on_role_button_clicked)
        self.close_button.clicked.connect(self.accept)
        self.table.itemSelectionChanged.connect(self._update_buttons)

    def reload(self) -> None:
        with self.ctx.transaction() as session:
            self.users = UserService(session, self.hasher).list_users(self.ctx.actor)
        yes, no = self.tr("yes"), self.tr("no")
        self.table.setRowCount(len(self.users))
        for r, u in enumerate(self.users):
            cells = [u.name, u.display_name or "", translate(ROLE_LABELS[u.role], self.ctx.lang),
                     yes if u.active else no,
                     _when(u.last_login_at)]
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self._update_buttons()

    def selected(self) -> UserInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.users[rows[0].row()] if rows else None

    def select_user(self, name: str) -> None:
        for r, u in enumerate(self.users):
            if u.name == name:
                self.table.selectRow(r)
                return

    def _update_buttons(self) -> None:
        user = self.selected()
        for button in (self.toggle_button, self.password_button, self.role_button):
            button.setEnabled(user is not None)
        if user is not None:
            self.toggle_button.setText(self.tr("Disable") if user.active else self.tr("Enable"))

    def _run(self, change: Callable[[UserService], object], select: str | None) -> bool:
        try:
            with self.ctx.transaction() as session:
                change(UserService(session, self.hasher))
        except UserFacingError as exc:
            self.error_label.setText(exc.text(self.ctx.lang))
            return False
        self.error_label.clear()
        self.reload()
        if select:
            self.select_user(select)
        return True

    def _on_add_button_clicked(self) -> None:
        values = self.ask_new_user()
        if values is None:
            return
        name, display, role, password = values
        self._run(lambda s: s.add(self.ctx.actor, name, role, password, display_name=display,
                                  must_change_password=True), name)

    def _on_toggle_button_clicked(self) -> None:
        user = self.selected()
        if user is not None:
            self._run(lambda s: s.set_active(self.ctx.actor, user.name, not user.active),
                      user.name)

    def _on_password_button_clicked(self) -> None:
        user = self.selected()
        if user is None:
            return
        password = self.ask_password(user.name)
        if password:
            self._run(lambda s: s.change_password(self.ctx.actor, user.name, password),
                      user.name)

    def _on_role_button_clicked(self) -> None:
        user = self.selected()
        if user is None:
            return
        role = self.ask_role(user)
        if role is not None:
            self._run(lambda s: s.set_role(self.ctx.actor, user.name, role), user.name)

    # --- default seams ----------------------------------------------------------------------

    def _ask_new_user(self) -> tuple[str, str | None, Role, str] | None:
        dialog = NewUserDialog(self.ctx.lang, self)
        return dialog.values() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def _ask_password(self, name: str) -> str | None:
        from PySide6.QtWidgets import QInputDialog

        text, ok = QInputDialog.getText(
            self, self.tr("Reset password"),
            self.tr("New password for {name} (they must change it at the next login):")
            .replace("{name}", name),
            QLineEdit.EchoMode.Password,
        )
        return text if ok else None

    def _ask_role(self, user: UserInfo) -> Role | None:
        from PySide6.QtWidgets import QInputDialog

        labels = [translate(ROLE_LABELS[r], self.ctx.lang) for r in LOGIN_ROLES]
        current = LOGIN_ROLES.index(user.role) if user.role in LOGIN_ROLES else 0
        label, ok = QInputDialog.getItem(self, self.tr("Change role"), self.tr("Role:"),
                                         labels, current, False)
        return LOGIN_ROLES[labels.index(label)] if ok else None


def _when(moment: datetime | None) -> str:
    return "" if moment is None else f"{moment.astimezone():%Y-%m-%d %H:%M}"

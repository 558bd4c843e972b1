"""`app.db.models` loads an area's tables on first use of one of its classes: what a module
loads must still be enough to flush (every foreign key finds its table), and `Base` must hold
the whole schema."""

import importlib
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Table

import app.db.models as models
from app.db.models.declarations import PARTIAL_UNIQUE_INDEXES

ROOT = Path(__file__).resolve().parents[2]


def _module_of_table() -> dict[str, str]:
    models.load_all()
    owner: dict[str, str] = {}
    for name in models.ALL_MODULES:
        module = importlib.import_module(f"app.db.models.{name}")
        for value in vars(module).values():
            table = getattr(value, "__table__", None)
            if isinstance(table, Table) and value.__module__ == module.__name__:
                owner[table.name] = name
    return owner


def test_every_class_is_exported_from_its_module() -> None:
    owner = _module_of_table()
    for name, module in models.MODULE_OF.items():
        assert hasattr(importlib.import_module(f"app.db.models.{module}"), name)
    exported = {getattr(models, n).__table__.name for n in models.MODULE_OF
                if hasattr(getattr(models, n), "__table__")}
    assert exported == set(owner)  # no table is left out of the package's names
    assert set(models.__all__) == set(models.MODULE_OF) | {"Base"}


def test_loading_a_module_loads_what_its_foreign_keys_point_into() -> None:
    owner = _module_of_table()
    for name in models.ALL_MODULES:
        needed = {name}
        pending = [name]
        while pending:  # what load(name) imports
            for dep in models.FOREIGN_KEY_MODULES.get(pending.pop(), ()):
                if dep not in needed:
                    needed.add(dep)
                    pending.append(dep)
        for table, module in owner.items():
            if module != name:
                continue
            for fk in models.Base.metadata.tables[table].foreign_keys:
                assert owner[fk.column.table.name] in needed, (table, fk.target_fullname)


def test_base_holds_the_whole_schema_with_the_partial_unique_indexes() -> None:
    indexes = {i.name for i in models.Base.metadata.tables["declarations"].indexes}
    assert {name for name, _, _ in PARTIAL_UNIQUE_INDEXES} <= indexes
    assert set(_module_of_table()) == set(models.Base.metadata.tables)


PROBE = """
import sys
from sqlalchemy.orm import configure_mappers
from app.db.models import Declaration
configure_mappers()  # what was loaded is complete: its mappers configure
print(sorted(m.rsplit(".", 1)[1] for m in sys.modules if m.startswith("app.db.models.")))
print("sqlalchemy.dialects.postgresql" in sys.modules)
"""


def test_a_declaration_does_not_load_station_export_or_the_postgresql_dialect() -> None:
    run = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    loaded, postgres = run.stdout.splitlines()
    assert loaded == str(["base", "declarations", "intake", "submission"])
    assert postgres == "False"


def test_columns_are_declared_with_types_not_strings_to_evaluate() -> None:
    # With `from __future__ import annotations` every `Mapped[...]` was a string that
    # SQLAlchemy evaluated on its own (eval, ~550 of them, ~15 ms of every start); only a
    # class named before it is defined stays a string.
    models.load_all()
    modules = [importlib.import_module(f"app.db.models.{name}")
               for name in (*models.ALL_MODULES, "base")]
    classes = [cls for module in modules for cls in vars(module).values()
               if isinstance(cls, type) and cls.__module__ == module.__name__]
    annotations = {f"{cls.__name__}.{attr}": annotation for cls in classes
                   for attr, annotation in vars(cls).get("__annotations__", {}).items()}
    assert len(annotations) > 500  # the columns of every table
    assert [attr for attr, annotation in annotations.items() if isinstance(annotation, str)] == []

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


def test_every_referenced_table_names_its_module() -> None:
    owner = _module_of_table()
    referenced = {fk.column.table.name for t in models.Base.metadata.tables.values()
                  for fk in t.foreign_keys}
    assert {table: owner[table] for table in referenced} == models.REFERENCED_TABLES


def test_base_holds_the_whole_schema_with_the_partial_unique_indexes() -> None:
    indexes = {i.name for i in models.Base.metadata.tables["declarations"].indexes}
    assert {name for name, _, _ in PARTIAL_UNIQUE_INDEXES} <= indexes
    assert set(_module_of_table()) == set(models.Base.metadata.tables)


PROBE = """
import sys
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session, configure_mappers
from app.db.models import Declaration
configure_mappers()  # what was loaded is complete: its mappers configure
loaded = lambda: sorted(m.rsplit(".", 1)[1] for m in sys.modules
                        if m.startswith("app.db.models."))
print(loaded())
print("sqlalchemy.dialects.postgresql" in sys.modules)
engine = create_engine(f"sqlite:///{sys.argv[1]}")
with Session(engine) as session:
    session.scalar(select(func.count()).select_from(Declaration))
    print(loaded())  # reading needs no other table
    session.add(Declaration(status="draft", orderNo="A1"))
    session.flush()  # a write orders the tables: the batches and import jobs are there
    print(loaded(), session.scalar(select(Declaration.orderNo)))
"""

BULK_PROBE = """
import sys
from sqlalchemy import create_engine, func, insert, select
from sqlalchemy.orm import Session
from app.db.models import PrintLog
loaded = lambda: sorted(m.rsplit(".", 1)[1] for m in sys.modules
                        if m.startswith("app.db.models."))
print(loaded())
with Session(create_engine(f"sqlite:///{sys.argv[1]}")) as session:
    session.execute(insert(PrintLog), [{"document": "label"}, {"document": "cn22"}])
    print(loaded(), session.scalar(select(func.count()).select_from(PrintLog)))
"""


def test_a_declaration_loads_the_tables_it_points_into_when_it_is_written(
        tmp_path: Path) -> None:
    path = tmp_path / "schema.sqlite3"
    subprocess.run([sys.executable, "-c", "import sys; from sqlalchemy import create_engine; "
                    "from app.db.models import Base; "
                    "Base.metadata.create_all(create_engine(f'sqlite:///{sys.argv[1]}'))",
                    str(path)], cwd=ROOT, check=True)
    run = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True,
                         text=True, cwd=ROOT, check=True)
    loaded, postgres, after_read, after_write = run.stdout.splitlines()
    # Not station, export, the batches or the import jobs; not the PostgreSQL dialect.
    assert loaded == after_read == str(["base", "declarations"])
    assert postgres == "False"
    assert after_write == str(["base", "declarations", "intake", "submission"]) + " A1"
    # An ORM insert of many rows at once (no flush) loads them too.
    run = subprocess.run([sys.executable, "-c", BULK_PROBE, str(path)], capture_output=True,
                         text=True, cwd=ROOT, check=True)
    assert run.stdout.splitlines() == [str(["admin", "base"]),
                                       str(["admin", "base", "declarations", "submission"])
                                       + " 2"]


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

"""Catalogue import / export use cases: read and check every file, apply all or nothing, record a version."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.errors import ValidationFailed
from ticketing.enums import Role
from ticketing.org import catalogue_files as files
from ticketing.org import catalogue_sync as sync
from ticketing.org import versions
from ticketing.org.auth import Actor

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_FILES = ("departments.csv", "gazetteer.csv", "catalogue.csv")
IMPORTERS = (Role.ADMIN, Role.SYSTEM)
MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@dataclass(frozen=True)
class ImportResult:
    version: int | None  # None: the files matched the database, nothing changed
    summary: str
    kinds: tuple[str, ...]
    added: int
    changed: int
    removed: int


def import_files(session: Session, *, actor: Actor, uploads: list[tuple[str, bytes]], source: str = "import",
                 kind: str | None = None) -> ImportResult:
    """Import CSV/XLSX files (catalogue, departments, gazetteer, any mix). Any problem in any file raises
    `FileProblems` (a ValidationFailed) and changes nothing."""
    actor.require(*IMPORTERS)
    if not uploads:
        raise ValidationFailed("没有选择文件", field="file")
    tables: dict[str, files.Table] = {}
    for name, data in uploads:
        for table in files.read(data, name, kind=kind):
            if table.kind in tables:
                raise files.FileProblems(table.source, [f"同一次导入中{files.KIND_ZH[table.kind]}出现了两次"])
            tables[table.kind] = table
    known = sync.known(session)
    ordered = [tables[k] for k in files.IMPORT_ORDER if k in tables]
    for table in ordered:
        files.check(table, known, alongside=tables)
    changes = versions.Changes()
    try:
        sync.import_tables(session, ordered, changes)
        names = "、".join(files.KIND_ZH[t.kind] for t in ordered)
        version = versions.record(session, actor=actor, source=source, changes=changes, note=f"导入{names}")
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise ValidationFailed(f"导入与数据库中已有数据冲突，未做任何修改（{exc.orig}）") from exc
    except Exception:
        session.rollback()
        raise
    return ImportResult(version=version.number if version else None, summary=changes.summary(),
                        kinds=tuple(t.kind for t in ordered), added=changes.count("added"),
                        changed=changes.count("changed"), removed=changes.count("removed"))


def import_defaults(session: Session, *, actor: Actor, source: str = "seed") -> ImportResult:
    """The catalogue, departments and gazetteer shipped in ticketing/org/data (the demo city 示范市)."""
    uploads = [(name, (DATA_DIR / name).read_bytes()) for name in DEFAULT_FILES]
    return import_files(session, actor=actor, uploads=uploads, source=source)


def export(session: Session, *, actor: Actor, kinds: tuple[str, ...] = files.IMPORT_ORDER,
           fmt: str = "xlsx") -> tuple[str, bytes, str]:
    """(file name, bytes, media type): one CSV for one kind, or an XLSX with one sheet per kind."""
    actor.require(*IMPORTERS)
    unknown = [k for k in kinds if k not in files.COLUMNS]
    if unknown or not kinds:
        raise ValidationFailed(f"unknown kind {', '.join(unknown) or '(none)'}", field="kind")
    if fmt == "csv":
        if len(kinds) != 1:
            raise ValidationFailed("a CSV file holds one kind; choose catalogue, departments or gazetteer",
                                   field="kind")
        return f"{kinds[0]}.csv", files.to_csv(kinds[0], sync.current(session, kinds[0])), MEDIA["csv"]
    if fmt != "xlsx":
        raise ValidationFailed(f"unknown format {fmt!r} (csv or xlsx)", field="format")
    name = f"{kinds[0]}.xlsx" if len(kinds) == 1 else "catalogue-all.xlsx"
    return name, files.to_xlsx({k: sync.current(session, k) for k in kinds}), MEDIA["xlsx"]

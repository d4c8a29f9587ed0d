"""`hotline catalogue ...`: load the matter catalogue, departments and gazetteer from CSV/XLSX, export them,
list the versions."""

from __future__ import annotations

from pathlib import Path

import click

from hotline.errors import HotlineError
from ticketing.org import catalogue_files, catalogue_flows, versions
from ticketing.org.auth import Actor

KINDS = click.Choice(list(catalogue_files.COLUMNS))


def _context():
    from hotline.context import AppContext

    return AppContext.for_command()


@click.group()
def catalogue() -> None:
    """Matter catalogue (派单目录), departments and gazetteer as files."""


@catalogue.command("import")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--defaults", is_flag=True, help="Import the shipped files of ticketing/org/data (the demo city).")
@click.option("--kind", type=KINDS, default=None, help="What the files hold (default: read from the header).")
def import_(files: tuple[Path, ...], defaults: bool, kind: str | None) -> None:
    """Load or refresh from CSV/XLSX files: all files or nothing; the same files twice change nothing.

    Matters, classes and places the files no longer list are deactivated; departments are only added or
    updated."""
    if not files and not defaults:
        raise click.UsageError("give FILES to import, or --defaults")
    uploads = [(p.name, p.read_bytes()) for p in files]
    if defaults:
        uploads += [(n, (catalogue_flows.DATA_DIR / n).read_bytes()) for n in catalogue_flows.DEFAULT_FILES]
    ctx = _context()
    with ctx.sessions() as session:
        try:
            result = catalogue_flows.import_files(session, actor=Actor.system("hotline catalogue import"),
                                                  uploads=uploads, source="import", kind=kind)
        except catalogue_files.FileProblems as exc:
            for line in exc.problems:
                click.echo(line, err=True)
            raise click.ClickException(exc.message.split("：", 1)[0]) from exc
        except HotlineError as exc:
            raise click.ClickException(exc.message) from exc
    if result.version is None:
        click.echo("catalogue unchanged (the files match the database)")
    else:
        click.echo(f"catalogue version {result.version}: {result.added} added, {result.changed} changed, "
                   f"{result.removed} removed ({result.summary})")


@catalogue.command("export")
@click.option("--kind", "kinds", type=KINDS, multiple=True, help="Repeat for several; default: all three.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default=None,
              help="Default: from the output file's suffix, else csv for one kind and xlsx for several.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: stdout for CSV).")
def export(kinds: tuple[str, ...], fmt: str | None, output: Path | None) -> None:
    """Write the catalogue / departments / gazetteer as the import reads them."""
    kinds = kinds or catalogue_files.IMPORT_ORDER
    if fmt is None:
        fmt = output.suffix.lstrip(".").lower() if output and output.suffix.lower() in (".csv", ".xlsx") else \
            ("csv" if len(kinds) == 1 else "xlsx")
    if fmt == "xlsx" and output is None:
        raise click.UsageError("XLSX needs --output FILE")
    ctx = _context()
    with ctx.sessions() as session:
        try:
            _, data, _ = catalogue_flows.export(session, actor=Actor.system("hotline catalogue export"),
                                                kinds=tuple(kinds), fmt=fmt)
        except HotlineError as exc:
            raise click.ClickException(exc.message) from exc
    if output is None:
        click.echo(data.decode("utf-8-sig"), nl=False)
    else:
        output.write_bytes(data)
        click.echo(f"wrote {output}", err=True)


@catalogue.command("versions")
@click.option("--limit", default=20, show_default=True)
def list_versions(limit: int) -> None:
    """The catalogue's versions, newest first."""
    ctx = _context()
    with ctx.sessions() as session:
        for v in versions.list_versions(session, limit=limit):
            click.echo(f"{v.number}\t{v.created_at:%Y-%m-%d %H:%M}\t{v.source}\t{v.actor_name}\t{v.summary}")

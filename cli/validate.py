"""`dmkg validate`: the ontology release checks of kg/checks/validate.py, printed for people."""

from __future__ import annotations

from pathlib import Path

import click

from kg.checks.validate import validate_release_files
from kg.checks.validate_report import print_report


@click.command("validate")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--hierarchy", is_flag=True, help="Also print the whole inferred class hierarchy.")
def validate_command(files: tuple[Path, ...], hierarchy: bool) -> None:
    """Check the ontology release files (or FILES): OWL API load, OWL 2 DL, HermiT, annotations, QC.

    Exits with status 1 on any finding.
    """
    report = validate_release_files(list(files) or None)
    print_report(report, show_hierarchy=hierarchy)
    if not report.ok:
        raise SystemExit(1)

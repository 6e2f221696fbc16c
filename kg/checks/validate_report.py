"""Print a ValidationReport for people: one summary table, then each file's findings and inferences.

Why separate from kg/checks/validate.py: the checks return plain data that the build and the tests
read; only the command line (cli/validate.py) needs colours and tables, so this module imports the
checks (never the other way round).
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from kg.checks.hermit import ReasoningResult
from kg.checks.validate import FileReport, ValidationReport

MAX_FINDINGS_SHOWN = 50
OWL_THING = "http://www.w3.org/2002/07/owl#Thing"


def _summary_row(r: FileReport) -> list[str]:
    counts = r.owlapi.counts if r.owlapi else {}
    reasoning = r.reasoning
    if reasoning is None:
        verdict = "not run"
    elif not reasoning.consistent:
        verdict = "[red]inconsistent[/red]"
    else:
        unsat = len(reasoning.unsatisfiable)
        verdict = f"ok {reasoning.seconds:.1f}s" if not unsat else f"[red]{unsat} unsatisfiable[/red]"
    return [
        r.path.name,
        str(counts.get("axioms", "-")),
        str(counts.get("classes", "-")),
        str(sum(counts.get(k, 0) for k in ("object_properties", "data_properties", "annotation_properties")))
        if counts
        else "-",
        str(counts.get("individuals", "-")),
        verdict,
        "[green]0[/green]" if r.ok else f"[red]{len(r.findings)}[/red]",
    ]


def _print_findings(console: Console, r: FileReport) -> None:
    console.print(f"[bold red]{r.path.name}: {len(r.findings)} finding(s)[/bold red]")
    for f in r.findings[:MAX_FINDINGS_SHOWN]:
        console.print(f"  [bold]{f.check}[/bold] {f.subject} [dim]{f.detail}[/dim]", highlight=False)
    if len(r.findings) > MAX_FINDINGS_SHOWN:
        console.print(f"  … and {len(r.findings) - MAX_FINDINGS_SHOWN} more")


def _print_inferences(console: Console, reasoning: ReasoningResult) -> None:
    if reasoning.inferred_subclasses:
        console.print(f"  HermiT inferred {len(reasoning.inferred_subclasses)} superclass(es):")
        for child, parent in reasoning.inferred_subclasses:
            console.print(f"    {reasoning.label(child)} [dim]⊑[/dim] {reasoning.label(parent)}")
    if reasoning.inferred_types:
        console.print(f"  HermiT inferred {len(reasoning.inferred_types)} type(s):")
        for individual, cls in reasoning.inferred_types:
            console.print(f"    {reasoning.label(individual)} [dim]:[/dim] {reasoning.label(cls)}")


def hierarchy_tree(reasoning: ReasoningResult) -> Tree:
    """The classified hierarchy as Protégé's 'Inferred' class tab shows it, by label."""
    children: dict[str, list[str]] = {}
    for cls, parents in reasoning.hierarchy.items():
        for parent in parents or [OWL_THING]:
            children.setdefault(parent, []).append(cls)
    root = Tree("owl:Thing")

    def add(node: Tree, iri: str, path: frozenset[str]) -> None:
        for child in sorted(children.get(iri, []), key=reasoning.label):
            if child not in path:
                add(node.add(reasoning.label(child)), child, path | {child})

    add(root, OWL_THING, frozenset())
    return root


def print_report(
    report: ValidationReport, *, show_hierarchy: bool = False, console: Console | None = None
) -> None:
    console = console or Console()
    summary = Table(title="dmkg ontology validation", title_justify="left")
    for column in ("file", "axioms", "classes", "properties", "individuals", "HermiT", "findings"):
        summary.add_column(column)
    for r in report.files:
        summary.add_row(*_summary_row(r))
    console.print(summary)
    for r in report.files:
        if not r.ok:
            _print_findings(console, r)
        if r.reasoning is not None and r.reasoning.consistent:
            console.print(f"[bold]{r.path.name}[/bold]")
            _print_inferences(console, r.reasoning)
            if show_hierarchy:
                console.print(hierarchy_tree(r.reasoning))
    if report.ok:
        console.print("[green]OK: zero findings[/green]")
    else:
        console.print(f"[red]FAILED: {len(report.findings)} finding(s)[/red]")


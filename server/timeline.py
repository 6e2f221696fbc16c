"""The treatment timeline of a case as SVG: a lane per drug, a column per treatment step (regimen).

Each course is a bar over the steps whose regimen includes it, labelled with dose, unit, frequency,
route and timing exactly as recorded ("not reported" stays "not reported"); bars in one column were
given together, joined by the column's bracket. Below: the responses recorded for each regimen; left:
the findings at presentation; right: the follow-up. Only presentation attributes are used (no
<style>, no script), so the picture works inline, as a file, and under a strict CSP.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from html import escape

from server.links import local_href

PREFIXES = """PREFIX dmkg: <https://w3id.org/dmkg/vocab/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
COURSES = (
    PREFIXES
    + """SELECT ?case ?regimen ?step ?regimenLabel ?course ?drug ?drugLabel ?dose ?unit ?frequency ?route
       ?duration ?durationUnit ?timing WHERE {
  ?case dmkg:hasTreatmentRegimen ?regimen .
  ?regimen dmkg:stepNumber ?step ; dmkg:includesCourse ?course .
  ?course dmkg:administersDrug ?drug .
  OPTIONAL { ?regimen rdfs:label ?regimenLabel }
  OPTIONAL { ?drug rdfs:label ?drugLabel }
  OPTIONAL { ?course dmkg:doseValue ?dose } OPTIONAL { ?course dmkg:doseUnit ?unit }
  OPTIONAL { ?course dmkg:frequency ?frequency } OPTIONAL { ?course dmkg:hasRoute/rdfs:label ?route }
  OPTIONAL { ?course dmkg:durationValue ?duration ; dmkg:durationUnit ?durationUnit }
  OPTIONAL { ?course dmkg:timing ?timing }
} ORDER BY ?step ?drugLabel"""
)
OUTCOMES = (
    PREFIXES
    + """SELECT ?case ?regimen ?step ?outcome ?kind ?statement WHERE {
  ?case dmkg:hasTreatmentRegimen ?regimen .
  ?regimen dmkg:stepNumber ?step ; dmkg:hasOutcome ?outcome .
  ?outcome a ?type . ?type rdfs:subClassOf+ dmkg:TreatmentOutcome ; rdfs:label ?kind .
  FILTER NOT EXISTS { ?outcome a ?narrower . ?narrower rdfs:subClassOf+ ?type FILTER(?narrower != ?type) }
  OPTIONAL { ?outcome dmkg:statement ?statement }
} ORDER BY ?step ?kind"""
)
FINDINGS = (
    PREFIXES
    + """SELECT ?case ?finding ?label ?change ?period ?periodUnit WHERE {
  ?case dmkg:hasFinding ?finding .
  OPTIONAL { ?finding rdfs:label ?label }
  OPTIONAL { ?finding dmkg:bodyWeightChange ?change }
  OPTIONAL { ?finding dmkg:periodValue ?period } OPTIONAL { ?finding dmkg:periodUnit ?periodUnit }
} ORDER BY ?label"""
)

NOT_REPORTED = "not reported"


@dataclass
class Course:
    iri: str
    drug: str
    drug_label: str
    text: str  # dose unit frequency, route
    timing: str
    duration: str
    steps: list[int] = field(default_factory=list)


@dataclass
class Step:
    number: int
    iri: str
    label: str
    outcomes: list[tuple[str, str, str]] = field(default_factory=list)  # (iri, kind, statement)


@dataclass
class Timeline:
    case_label: str
    steps: list[Step]
    lanes: list[tuple[str, str, list[Course]]]  # (drug iri, drug label, its courses)
    presentation: list[tuple[str, str]]  # (finding iri, text)
    follow_up: list[tuple[str, str]]


def _v(row: dict, name: str, missing: str = "") -> str:
    return row[name]["value"] if name in row else missing


def _follow_up(row: dict) -> bool:
    """A finding after treatment: its period is counted in follow-up time, or it is a weight gain."""
    unit = _v(row, "periodUnit").casefold()
    change = _v(row, "change")
    return "follow" in unit or (change not in ("", "0") and not change.startswith("-"))


def read_timeline(
    case_label: str, courses: list[dict], outcomes: list[dict], findings: list[dict]
) -> Timeline:
    steps: dict[int, Step] = {}
    by_course: dict[str, Course] = {}
    for row in courses:
        number = int(_v(row, "step"))
        steps.setdefault(number, Step(number, _v(row, "regimen"), _v(row, "regimenLabel", f"step {number}")))
        iri = _v(row, "course")
        if iri not in by_course:
            dose = " ".join(x for x in (_v(row, "dose"), _v(row, "unit")) if x) or f"dose {NOT_REPORTED}"
            frequency = _v(row, "frequency", f"frequency {NOT_REPORTED}")
            route = _v(row, "route", f"route {NOT_REPORTED}")
            duration = " ".join(x for x in (_v(row, "duration"), _v(row, "durationUnit")) if x)
            by_course[iri] = Course(
                iri,
                _v(row, "drug"),
                _v(row, "drugLabel", _v(row, "drug")),
                f"{dose} {frequency}, {route}",
                _v(row, "timing", NOT_REPORTED),
                f"for {duration}" if duration else f"duration {NOT_REPORTED}",
            )
        if number not in by_course[iri].steps:
            by_course[iri].steps.append(number)
    seen: set[tuple[str, str]] = set()
    for row in outcomes:
        key = (_v(row, "outcome"), _v(row, "kind"))
        step = steps.get(int(_v(row, "step")))
        if step is not None and key not in seen:
            seen.add(key)
            step.outcomes.append((key[0], key[1], _v(row, "statement")))
    lanes: dict[str, tuple[str, str, list[Course]]] = {}
    for course in sorted(by_course.values(), key=lambda c: (min(c.steps), c.drug_label)):
        lanes.setdefault(course.drug, (course.drug, course.drug_label, []))[2].append(course)
    presentation, follow_up, done = [], [], set()
    for row in findings:
        iri = _v(row, "finding")
        if iri in done:
            continue
        done.add(iri)
        (follow_up if _follow_up(row) else presentation).append((iri, _v(row, "label", iri)))
    return Timeline(
        case_label, [steps[n] for n in sorted(steps)], list(lanes.values()), presentation, follow_up
    )


# layout (px)
LANE_LABEL_W, SIDE_W, STEP_W, GAP, FOLLOW_W = 110, 210, 182, 8, 170
TOP, HEADER_H, LINE_H, FONT = 44, 30, 14, 11


def _lines(text: str, width_px: int) -> list[str]:
    return textwrap.wrap(text, max(8, width_px // 6)) or [""]


def _text(
    x: float, y: float, lines: list[str], size: int = FONT, weight: str = "normal", anchor: str = "start"
) -> str:
    spans = "".join(
        f'<tspan x="{x:.0f}" dy="{0 if i == 0 else LINE_H}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return (
        f'<text x="{x:.0f}" y="{y:.0f}" font-family="DejaVu Sans, sans-serif" font-size="{size}" '
        f'font-weight="{weight}" text-anchor="{anchor}" fill="#111">{spans}</text>'
    )


def _link(href: str, title: str, body: str) -> str:
    if not href:
        return f"<g><title>{escape(title)}</title>{body}</g>"
    return f'<a href="{escape(href)}" xlink:href="{escape(href)}"><title>{escape(title)}</title>{body}</a>'


def to_svg(timeline: Timeline, base: str) -> str:
    """The timeline as a standalone SVG document (also valid inline in HTML)."""
    steps = timeline.steps
    column = {s.number: LANE_LABEL_W + SIDE_W + GAP + i * (STEP_W + GAP) for i, s in enumerate(steps)}
    right_x = LANE_LABEL_W + SIDE_W + GAP + len(steps) * (STEP_W + GAP)
    parts: list[str] = []
    y = TOP + HEADER_H
    parts.append(_text(LANE_LABEL_W + 4, TOP + 18, ["At presentation"], weight="bold"))
    for step in steps:
        header = _text(column[step.number] + 4, TOP + 18, [f"Step {step.number}"], weight="bold")
        parts.append(_link(local_href(step.iri, base), step.label, header))
        if step.number != steps[0].number:
            parts.append(
                f'<path d="M{column[step.number] - GAP + 1} {TOP + 14} l7 0 m-3 -3 l3 3 l-3 3" '
                'stroke="#111" fill="none"/>'
            )
    parts.append(_text(right_x + 4, TOP + 18, ["Follow-up"], weight="bold"))
    lanes_top = y
    spans: dict[int, list[tuple[int, int, str]]] = {s.number: [] for s in steps}  # bars per step column
    steps_left, steps_right = column[steps[0].number] - GAP // 2, right_x - GAP // 2
    for _, drug_label, courses in timeline.lanes:
        heights = []
        for course in courses:
            width = (len(course.steps) * (STEP_W + GAP)) - GAP
            lines = (
                _lines(course.text, width - 8)
                + _lines(course.duration, width - 8)
                + _lines(f"timing: {course.timing}", width - 8)
            )
            heights.append(len(lines) * LINE_H + 10)
            x = column[min(course.steps)]
            title = (
                f"{drug_label}: {course.text}; {course.duration}; timing: {course.timing}; "
                f"steps {', '.join(map(str, course.steps))}"
            )
            bar = (
                f'<rect x="{x}" y="{y}" width="{width}" height="{heights[-1]}" rx="4" fill="#dde8f3" '
                f'stroke="#23415a"/>' + _text(x + 5, y + 15, lines)
            )
            parts.append(_link(local_href(course.iri, base), title, bar))
            for number in course.steps:
                spans[number].append((y, y + heights[-1], drug_label))
        lane_h = max(heights) + 8
        parts.insert(
            0,
            f'<rect x="0" y="{y - 4}" width="{LANE_LABEL_W}" height="{lane_h}" fill="#f3f3f3"/>'
            f'<rect x="{steps_left}" y="{y - 4}" width="{steps_right - steps_left}" height="{lane_h}" '
            'fill="#f3f3f3"/>',
        )
        parts.append(_text(6, y + 15, _lines(drug_label, LANE_LABEL_W - 8), weight="bold"))
        y += lane_h + 4
    for step in steps:  # co-administration: a bracket left of the column joins the drugs given together
        together = spans[step.number]
        if len(together) > 1:
            x = column[step.number] - 4
            top, bottom_y = min(t for t, _, _ in together), max(b for _, b, _ in together)
            names = ", ".join(sorted({name for _, _, name in together}))
            parts.append(
                f"<g><title>step {step.number}: given together: {escape(names)}</title>"
                f'<path d="M{x + 3} {top} l-3 0 l0 {bottom_y - top} l3 0" stroke="#23415a" '
                'stroke-width="2" fill="none"/></g>'
            )
    parts.append(_text(6, y + 15, ["Response"], weight="bold"))
    response_h = 0
    for step in steps:
        x, lines_total, body = column[step.number], 0, []
        outcomes = step.outcomes or [("", f"response {NOT_REPORTED}", "")]
        for iri, kind, statement in outcomes:
            lines = _lines(kind, STEP_W - 8)
            body.append(
                _link(
                    local_href(iri, base),
                    statement or kind,
                    _text(x + 5, y + 15 + lines_total * LINE_H, lines, weight="bold"),
                )
            )
            lines_total += len(lines)
            if statement:
                more = _lines(statement, STEP_W - 8)
                body.append(_text(x + 5, y + 15 + lines_total * LINE_H, more, size=10))
                lines_total += len(more)
        response_h = max(response_h, lines_total * LINE_H + 10)
        parts.append(
            f'<rect x="{x}" y="{y}" width="{STEP_W}" height="{{RESPONSE_H}}" fill="none" '
            'stroke="#23415a" stroke-dasharray="4 2"/>' + "".join(body)
        )
    bottom = y + response_h + 10
    side = [(LANE_LABEL_W + 4, timeline.presentation, SIDE_W - 8),
            (right_x + 4, timeline.follow_up, FOLLOW_W - 10)]
    for x, items, width in side:
        line = 0
        if not items:
            parts.append(_text(x, lanes_top + 15, [NOT_REPORTED]))
        for iri, text in items:
            lines = _lines("• " + text, width)
            parts.append(
                _link(local_href(iri, base), text, _text(x, lanes_top + 15 + line * LINE_H, lines, size=10))
            )
            line += len(lines)
        bottom = max(bottom, lanes_top + (line + 1) * LINE_H + 10)
    width = right_x + FOLLOW_W
    title = f"Treatment timeline of {timeline.case_label}"
    desc = "; ".join(
        f"step {s.number}: "
        + ", ".join(
            f"{c.drug_label} {c.text}, timing {c.timing}"
            for _, _, cs in timeline.lanes
            for c in cs
            if s.number in c.steps
        )
        + " — response: "
        + (", ".join(k for _, k, _ in s.outcomes) or NOT_REPORTED)
        for s in steps
    )
    body = "\n".join(parts).replace("{RESPONSE_H}", str(response_h))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{width}" height="{bottom}" viewBox="0 0 {width} {bottom}" role="group" '
        f'aria-labelledby="timeline-title">\n<title id="timeline-title">{escape(title)}</title>\n'
        f"<desc>{escape(desc)}</desc>\n"
        f"{_text(6, 22, [title], size=14, weight='bold')}\n{body}\n</svg>\n"
    )

"""The evidence summary of a drug or disease page: its drug–disease and mechanistic claims, grouped by
the entity at the other end, with direction, study design, evidence level, modality and patients."""

from __future__ import annotations

from itertools import groupby

from server.links import local_href

CLAIMS = """PREFIX dmkg: <https://w3id.org/dmkg/vocab/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?entity ?claim ?other (SAMPLE(?otherL) AS ?otherLabel) ?role (SAMPLE(?relL) AS ?relation)
       (SAMPLE(?dirL) AS ?direction) (SAMPLE(?designL) AS ?design) (SAMPLE(?levelL) AS ?level)
       (SAMPLE(?modL) AS ?modality) (SAMPLE(?n) AS ?patients) (SAMPLE(?st) AS ?statement)
       (GROUP_CONCAT(DISTINCT STR(?ref); separator=" ") AS ?refs)
WHERE {
  VALUES ?top { dmkg:drugDiseaseRelation dmkg:mechanisticLink }
  ?p rdfs:subPropertyOf+ ?top .
  ?claim a dmkg:Claim ; dmkg:claimPredicate ?p .
  { ?claim dmkg:claimSubject ?entity ; dmkg:claimObject ?other BIND("object" AS ?role) }
  UNION { ?claim dmkg:claimObject ?entity ; dmkg:claimSubject ?other BIND("subject" AS ?role) }
  OPTIONAL { ?other rdfs:label ?otherL } OPTIONAL { ?p rdfs:label ?relL }
  OPTIONAL { ?claim dmkg:hasDirection/rdfs:label ?dirL }
  OPTIONAL { ?claim dmkg:hasEvidenceBasis/rdfs:label ?designL }
  OPTIONAL { ?claim dmkg:hasEvidenceLevel/rdfs:label ?levelL }
  OPTIONAL { ?claim dmkg:hasModality/rdfs:label ?modL }
  OPTIONAL { ?claim dmkg:numberOfPatients ?n }
  OPTIONAL { ?claim dmkg:statement ?st }
  OPTIONAL { ?claim dmkg:citesReference/dmkg:referenceNumber ?ref }
} GROUP BY ?entity ?claim ?other ?role"""


def summarise(rows: list[dict], base: str) -> list[dict]:
    """Groups (one per entity at the other end) of claim rows, in label order; nothing stated is guessed."""

    def value(row: dict, name: str, missing: str = "") -> str:
        return row[name]["value"] if name in row else missing

    claims = []
    for row in rows:
        refs = sorted({int(n) for n in value(row, "refs").split() if n.isdigit()})
        other = value(row, "other")
        claims.append(
            {
                "other": other,
                "other_label": value(row, "otherLabel", other.rsplit("/", 1)[-1]),
                "other_href": local_href(other, base),
                "role": value(row, "role"),
                "relation": value(row, "relation"),
                "direction": value(row, "direction", "not recorded"),
                "design": value(row, "design", "not recorded"),
                "level": value(row, "level", "not recorded"),
                "modality": value(row, "modality", "not recorded"),
                "patients": value(row, "patients", "not reported"),
                "refs": ", ".join(map(str, refs)) or "none",
                "statement": value(row, "statement"),
                "claim_href": local_href(value(row, "claim"), base),
            }
        )
    claims.sort(key=lambda c: (c["other_label"].casefold(), c["relation"], c["level"], c["statement"]))
    return [
        {"label": label, "href": items[0]["other_href"], "claims": items}
        for label, items in ((k, list(g)) for k, g in groupby(claims, key=lambda c: c["other_label"]))
    ]

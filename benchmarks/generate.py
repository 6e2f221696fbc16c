"""Deterministic synthetic graph in dmkg's own schema, streamed as N-Quads.

The output starts with the real build (``build/dmkg.nq``: the ontology graph, the letter and its
references), so every catalogue query has its real targets, and then adds:

- a shared entity pool in ``graph/entities/assertion``: drugs, targets, biological processes, diseases
  and phenotypes with labels, synonyms, xrefs and mechanism edges (hasTarget, participatesIn,
  inhibitsProcess, implicatedIn, appliedToTreat);
- one synthetic source per case report, in ``graph/case-NNNNNN/{assertion,provenance,pubinfo}``: a case,
  its patient, findings with phenotypes, treatment courses (dose, unit, route, frequency, outcomes),
  claims reified with claimSubject/claimPredicate/claimObject and quotes, cited references and
  publications; the provenance and pubinfo graphs are nanopub-shaped as in ``kg/transform.py``;
- every synthetic triple once more in the default graph, as ``dmkg build`` materialises it.

Everything is derived from ``--seed`` and the case number, never from the clock, so the same arguments
give the same bytes. Output is written line by line: 10^7 triples need a few MiB of memory.

    .venv/bin/python -m benchmarks.generate --triples 1e5 --out benchmarks/data/g-1e5.nq
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BASE_BUILD = REPO / "build" / "dmkg.nq"

ID = "https://w3id.org/dmkg/id/"
V = "https://w3id.org/dmkg/vocab/"
G = "https://w3id.org/dmkg/graph/"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
NAMED_INDIVIDUAL = "<http://www.w3.org/2002/07/owl#NamedIndividual>"
XREF = "<http://www.geneontology.org/formats/oboInOwl#hasDbXref>"
SYNONYM = "<http://www.geneontology.org/formats/oboInOwl#hasExactSynonym>"
EXACT_MATCH = "<http://www.w3.org/2004/02/skos/core#exactMatch>"
BL_KL = "<https://w3id.org/biolink/vocab/knowledge_level>"
BL_AT = "<https://w3id.org/biolink/vocab/agent_type>"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
XSD = "http://www.w3.org/2001/XMLSchema#"
CURATORS = f"<{ID}dmkg-curators>"

DRUG_CLASSES = ["MonoclonalAntibody", "SmallMolecule", "Glucocorticoid", "Immunosuppressant",
                "Antimetabolite", "AntiTNFAlphaAgent", "AntiCD20Agent", "AntiCD11aAgent"]
TARGET_CLASSES = ["CellSurfaceAntigen", "Cytokine", "Receptor", "Enzyme", "ProteinComplex"]
DISEASE_CLASSES = ["Dermatomyositis", "CutaneousLupusErythematosus", "Psoriasis", "AllergicAsthma",
                   "KidneyTransplantRejection", "AutoimmuneDisease"]
FINDING_CLASSES = ["ClinicalSign", "HistoryFinding", "HistologyFinding", "ElectromyographyFinding",
                   "SerologyFinding", "LaboratoryFinding", "ScreeningFinding"]
OUTCOME_CLASSES = ["NoResponse", "MinorImprovement", "MarkedImprovement", "SustainedRemission"]
ROUTES = ["oral", "intravenous", "subcutaneous", "intramuscular", "topical"]
UNITS = ["mg", "mg/kg body weight", "mg/day", "g"]
FREQUENCIES = ["per day", "per week", "every 2 weeks", "per month", "once"]
STUDY_DESIGNS = ["caseReport", "caseSeries", "randomisedControlledTrial", "cohortStudy",
                 "mechanisticReasoning"]
LEVELS = ["level1", "level2", "level3", "level4", "level5"]
DIRECTIONS = ["supports", "refutes"]
ECO = ["ECO_0000033", "ECO_0000007", "ECO_0006016", "ECO_0000269"]
CLAIM_PREDICATES = ["hasTarget", "implicatedIn", "appliedToTreat", "reportedEffectiveIn", "inhibitsProcess",
                    "participatesIn", "promotes"]
WORDS = ("erythema oedema weakness myositis rash fatigue fever dysphagia lesion infiltrate antibody "
         "interferon lymphocyte integrin receptor kinase cytokine response remission relapse dose "
         "steroid biopsy muscle skin periorbital proximal chronic acute refractory marked partial").split()
SEXES = ["female", "male"]


def iri(local: str) -> str:
    return f"<{ID}{local}>"


def vocab(local: str) -> str:
    return f"<{V}{local}>"


def lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def en(text: str) -> str:
    return lit(text) + "@en"


def typed(value: object, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


class Pool:
    """The shared entity pool; its sizes grow with the square root of the case count."""

    def __init__(self, cases: int) -> None:
        root = max(1.0, cases ** 0.5)
        self.drugs = max(20, int(root * 4))
        self.targets = max(20, int(root * 3))
        self.processes = max(10, int(root * 2))
        self.diseases = max(10, int(root))
        self.phenotypes = max(30, int(root * 4))

    @staticmethod
    def drug(i: int) -> str:
        return iri(f"syn-drug-{i:06d}")

    @staticmethod
    def target(i: int) -> str:
        return iri(f"syn-target-{i:06d}")

    @staticmethod
    def process(i: int) -> str:
        return iri(f"syn-process-{i:06d}")

    @staticmethod
    def disease(i: int) -> str:
        return iri(f"syn-disease-{i:06d}")

    @staticmethod
    def phenotype(i: int) -> str:
        return iri(f"syn-phenotype-{i:06d}")


def words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def entity_quads(pool: Pool, seed: int) -> Iterator[str]:
    """Entities and mechanism edges, in the shared entities graph as dmkg's build writes them."""
    g = f"<{G}entities/assertion>"
    rng = random.Random(f"{seed}-entities")

    def node(s: str, classes: list[str], label: str, xrefs: list[str], synonyms: list[str]) -> Iterator[str]:
        yield f"{s} {RDF_TYPE} {NAMED_INDIVIDUAL} {g} ."
        for c in classes:
            yield f"{s} {RDF_TYPE} {vocab(c)} {g} ."
        yield f"{s} {LABEL} {en(label)} {g} ."
        for x in xrefs:
            yield f"{s} {XREF} {lit(x)} {g} ."
            prefix, local = x.split(":", 1)
            yield f"{s} {EXACT_MATCH} <http://identifiers.org/{prefix.lower()}/{local}> {g} ."
        for syn in synonyms:
            yield f"{s} {SYNONYM} {lit(syn)} {g} ."

    for i in range(pool.diseases):
        yield from node(pool.disease(i), [rng.choice(DISEASE_CLASSES)],
                        f"synthetic disease {i} {words(rng, 2)}",
                        [f"MONDO:{9000000 + i:07d}"], [f"disease {words(rng, 1)} {i}"])
    for i in range(pool.phenotypes):
        yield from node(pool.phenotype(i), ["Phenotype"], f"synthetic phenotype {i} {words(rng, 2)}",
                        [f"HP:{9000000 + i:07d}"], [])
    for i in range(pool.processes):
        p = pool.process(i)
        yield from node(p, ["BiologicalProcess"], f"synthetic process {i} {words(rng, 2)}",
                        [f"GO:{9000000 + i:07d}"], [])
        for _ in range(2):
            yield f"{p} {vocab('implicatedIn')} {pool.disease(rng.randrange(pool.diseases))} {g} ."
    for i in range(pool.targets):
        t = pool.target(i)
        yield from node(t, [rng.choice(TARGET_CLASSES)], f"synthetic target {i} {words(rng, 1)}",
                        [f"HGNC:{900000 + i}", f"NCBIGene:{9000000 + i}"], [f"GENE{i}"])
        yield f"{t} {vocab('participatesIn')} {pool.process(rng.randrange(pool.processes))} {g} ."
    for i in range(pool.drugs):
        d = pool.drug(i)
        classes = sorted({rng.choice(DRUG_CLASSES), rng.choice(DRUG_CLASSES)})
        yield from node(d, classes, f"synthetic drug {i} {rng.choice(WORDS)}mab",
                        [f"DRUGBANK:DB9{i:05d}", f"CHEBI:{900000 + i}"], [f"brand-{i}"])
        for _ in range(rng.randint(1, 3)):
            yield f"{d} {vocab('hasTarget')} {pool.target(rng.randrange(pool.targets))} {g} ."
        yield f"{d} {vocab('inhibitsProcess')} {pool.process(rng.randrange(pool.processes))} {g} ."
        yield f"{d} {vocab('appliedToTreat')} {pool.disease(rng.randrange(pool.diseases))} {g} ."


def case_quads(n: int, pool: Pool, seed: int) -> Iterator[str]:
    """One synthetic case report as a source: assertion, provenance and pubinfo graphs."""
    rng = random.Random(f"{seed}-case-{n}")
    src = f"case-{n:06d}"
    ga, gp, gi = f"<{G}{src}/assertion>", f"<{G}{src}/provenance>", f"<{G}{src}/pubinfo>"
    doc = iri(f"{src}-report")
    case, patient = iri(f"{src}"), iri(f"{src}-patient")
    disease = pool.disease(rng.randrange(pool.diseases))

    def stated(s: str, quote: str, section: str = "case report") -> Iterator[str]:
        yield f"{s} {vocab('quote')} {lit(quote)} {ga} ."
        yield f"{s} {vocab('section')} {lit(section)} {ga} ."
        yield f"{s} {vocab('statedIn')} {doc} {ga} ."

    # the report itself is a publication
    yield f"{doc} {RDF_TYPE} {vocab('Publication')} {ga} ."
    yield f"{doc} {LABEL} {en(f'synthetic case report {n}')} {ga} ."
    yield f"{doc} {vocab('publicationYear')} {typed(1990 + rng.randrange(36), 'integer')} {ga} ."
    yield f"{doc} {vocab('pmid')} {lit(str(90000000 + n))} {ga} ."
    # case and patient
    yield f"{case} {RDF_TYPE} {NAMED_INDIVIDUAL} {ga} ."
    yield f"{case} {RDF_TYPE} {vocab('Case')} {ga} ."
    yield f"{case} {LABEL} {en(f'synthetic case {n} of {words(rng, 2)}')} {ga} ."
    yield f"{case} {vocab('hasDiagnosis')} {disease} {ga} ."
    yield f"{case} {vocab('hasPatient')} {patient} {ga} ."
    yield f"{patient} {RDF_TYPE} {NAMED_INDIVIDUAL} {ga} ."
    yield f"{patient} {RDF_TYPE} {vocab('Patient')} {ga} ."
    yield f"{patient} {LABEL} {en(f'patient of case {n}')} {ga} ."
    yield f"{patient} {vocab('ageInYears')} {typed(rng.randint(5, 95), 'integer')} {ga} ."
    yield f"{patient} {vocab('sex')} {lit(rng.choice(SEXES))} {ga} ."
    yield from stated(patient, f"A {words(rng, 3)} patient presented")
    # findings, each showing a phenotype that the patient has
    for k in range(rng.randint(3, 7)):
        f = iri(f"{src}-finding-{k}")
        ph = pool.phenotype(rng.randrange(pool.phenotypes))
        yield f"{case} {vocab('hasFinding')} {f} {ga} ."
        yield f"{f} {RDF_TYPE} {NAMED_INDIVIDUAL} {ga} ."
        yield f"{f} {RDF_TYPE} {vocab(rng.choice(FINDING_CLASSES))} {ga} ."
        yield f"{f} {LABEL} {en(f'finding {k} of case {n}: {words(rng, 3)}')} {ga} ."
        yield f"{f} {vocab('findingValue')} {lit(words(rng, 2))} {ga} ."
        yield f"{f} {vocab('showsPhenotype')} {ph} {ga} ."
        yield f"{patient} {vocab('hasPhenotype')} {ph} {ga} ."
        yield from stated(f, f"She had {words(rng, 5)}")
    # treatment courses in sequence, each with an outcome
    previous = None
    for step in range(1, rng.randint(2, 4) + 1):
        c = iri(f"{src}-course-{step}")
        drug = pool.drug(rng.randrange(pool.drugs))
        outcome = iri(f"{src}-outcome-{step}")
        yield f"{case} {vocab('hasTreatmentCourse')} {c} {ga} ."
        yield f"{c} {RDF_TYPE} {NAMED_INDIVIDUAL} {ga} ."
        yield f"{c} {RDF_TYPE} {vocab('TreatmentCourse')} {ga} ."
        yield f"{c} {LABEL} {en(f'step {step} of case {n}')} {ga} ."
        yield f"{c} {vocab('administersDrug')} {drug} {ga} ."
        yield f"{c} {vocab('stepNumber')} {typed(step, 'integer')} {ga} ."
        dose = rng.choice([0.5, 1, 2.5, 15, 40, 100, 375])
        yield f"{c} {vocab('doseValue')} {typed(dose, 'decimal')} {ga} ."
        yield f"{c} {vocab('doseUnit')} {lit(rng.choice(UNITS))} {ga} ."
        yield f"{c} {vocab('hasRoute')} {vocab(rng.choice(ROUTES))} {ga} ."
        yield f"{c} {vocab('frequency')} {lit(rng.choice(FREQUENCIES))} {ga} ."
        yield f"{c} {vocab('hasOutcome')} {outcome} {ga} ."
        if previous is not None:
            yield f"{c} {vocab('followsCourse')} {previous} {ga} ."
        yield from stated(c, f"treatment with {words(rng, 4)}")
        yield f"{outcome} {RDF_TYPE} {NAMED_INDIVIDUAL} {ga} ."
        yield f"{outcome} {RDF_TYPE} {vocab(rng.choice(OUTCOME_CLASSES))} {ga} ."
        yield f"{outcome} {LABEL} {en(f'outcome of step {step} of case {n}')} {ga} ."
        yield f"{outcome} {vocab('statement')} {lit(words(rng, 8))} {ga} ."
        yield from stated(outcome, words(rng, 10))
        previous = c
    # cited references, each identified as a publication
    refs = []
    for r in range(1, rng.randint(2, 4) + 1):
        ref, pub = iri(f"{src}-ref-{r:02d}"), iri(f"{src}-pub-{r:02d}")
        refs.append(ref)
        yield f"{ref} {RDF_TYPE} {NAMED_INDIVIDUAL} {ga} ."
        yield f"{ref} {RDF_TYPE} {vocab('CitedReference')} {ga} ."
        yield f"{ref} {LABEL} {en(f'reference {r} of case report {n}')} {ga} ."
        yield f"{ref} {vocab('referenceNumber')} {typed(r, 'integer')} {ga} ."
        yield f"{ref} {vocab('referenceOf')} {doc} {ga} ."
        yield f"{ref} {vocab('identifiedAs')} {pub} {ga} ."
        yield f"{ref} {vocab('citedFor')} {lit(words(rng, 5))} {ga} ."
        yield f"{pub} {RDF_TYPE} {NAMED_INDIVIDUAL} {ga} ."
        yield f"{pub} {RDF_TYPE} {vocab('Publication')} {ga} ."
        yield f"{pub} {LABEL} {en(f'Author{n} {r} et al. {words(rng, 6)}')} {ga} ."
        yield f"{pub} {vocab('pmid')} {lit(str(80000000 + n * 10 + r))} {ga} ."
        yield f"{pub} {XREF} {lit(f'PMID:{80000000 + n * 10 + r}')} {ga} ."
        yield f"{pub} {vocab('publicationYear')} {typed(1980 + rng.randrange(45), 'integer')} {ga} ."
        yield f"{pub} {vocab('hasStudyDesign')} {vocab(rng.choice(STUDY_DESIGNS))} {ga} ."
        yield f"{pub} {vocab('numberOfPatients')} {typed(rng.randint(1, 500), 'integer')} {ga} ."
    # reified claims with quotes and evidence
    for k in range(rng.randint(2, 5)):
        cl = iri(f"claim-{src}-{k}")
        pred = rng.choice(CLAIM_PREDICATES)
        subj = pool.drug(rng.randrange(pool.drugs)) if pred in ("hasTarget", "appliedToTreat",
                                                                  "reportedEffectiveIn", "inhibitsProcess") \
            else pool.target(rng.randrange(pool.targets))
        obj = {"hasTarget": pool.target(rng.randrange(pool.targets)),
               "inhibitsProcess": pool.process(rng.randrange(pool.processes)),
               "participatesIn": pool.process(rng.randrange(pool.processes))}.get(pred, disease)
        yield f"{subj} {vocab(pred)} {obj} {ga} ."
        yield f"{cl} {RDF_TYPE} {NAMED_INDIVIDUAL} {ga} ."
        yield f"{cl} {RDF_TYPE} {vocab('Claim')} {ga} ."
        yield f"{cl} {LABEL} {en(f'claim {k} of case {n}: {words(rng, 4)}')} {ga} ."
        yield f"{cl} {BL_AT} {lit('manual_agent')} {ga} ."
        yield f"{cl} {BL_KL} {lit('knowledge_assertion')} {ga} ."
        yield f"{cl} {vocab('claimSubject')} {subj} {ga} ."
        yield f"{cl} {vocab('claimPredicate')} {vocab(pred)} {ga} ."
        yield f"{cl} {vocab('claimObject')} {obj} {ga} ."
        yield f"{cl} {vocab('evidenceCode')} <http://purl.obolibrary.org/obo/{rng.choice(ECO)}> {ga} ."
        yield f"{cl} {vocab('hasDirection')} {vocab(rng.choice(DIRECTIONS))} {ga} ."
        yield f"{cl} {vocab('hasEvidenceLevel')} {vocab(rng.choice(LEVELS))} {ga} ."
        yield f"{cl} {vocab('hasStudyDesign')} {vocab(rng.choice(STUDY_DESIGNS))} {ga} ."
        yield f"{cl} {vocab('statement')} {lit(words(rng, 9))} {ga} ."
        yield f"{cl} {vocab('citesReference')} {rng.choice(refs)} {ga} ."
        yield from stated(cl, words(rng, 12), rng.choice(["introduction", "case report", "discussion"]))
    # nanopub-shaped provenance and pubinfo
    a = f"<{G}{src}/assertion>"
    yield f"{a} <{PROV}wasDerivedFrom> {doc} {gp} ."
    yield f"{a} <{PROV}wasAttributedTo> {CURATORS} {gp} ."
    yield f"{a} <{DCT}source> {lit(f'synthetic/{src}')} {gp} ."
    yield f"{a} <{DCT}created> {typed('2026-01-01', 'date')} {gi} ."
    yield f"{a} <{DCT}creator> {CURATORS} {gi} ."
    yield f"{a} <{DCT}license> <https://creativecommons.org/licenses/by/4.0/> {gi} ."


AVG_CASE_TRIPLES = 190  # measured mean of case_quads; only used to size the entity pool up front


def generate(triples: int, seed: int = 42, base: Path | None = BASE_BUILD) -> Iterator[str]:
    """N-Quads lines (without newline) until at least `triples` lines, ending on a whole case; every
    synthetic quad is followed by its triple in the default graph (both count)."""
    count = 0
    if base is not None and base.exists():
        with base.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    count += 1
                    yield line.rstrip("\n")
    pool = Pool(max(1, (triples - count) // (2 * AVG_CASE_TRIPLES)))
    for q in entity_quads(pool, seed):
        count += 2
        yield q
        yield _in_default_graph(q)
    n = 0
    while count < triples:
        for q in case_quads(n, pool, seed):
            count += 2
            yield q
            yield _in_default_graph(q)
        n += 1


def _in_default_graph(quad: str) -> str:
    """The quad's triple in the default graph, as `dmkg build` writes every named graph's triples there
    (a real default graph: queries without GRAPH see each fact, on any engine, no union setting)."""
    return quad.rsplit(" <", 1)[0] + " ."


def write(triples: int, out: Path, seed: int = 42) -> int:
    """Write the graph to `out` (atomically); return the number of quads written."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    n = 0
    with tmp.open("w", encoding="utf-8", buffering=1 << 20) as f:
        for line in generate(triples, seed):
            f.write(line)
            f.write("\n")
            n += 1
    tmp.replace(out)
    return n


def parse_size(text: str) -> int:
    return int(float(text))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--triples", type=parse_size, required=True, help="target size, e.g. 1e5")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    n = write(args.triples, args.out, args.seed)
    print(f"{n} quads -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

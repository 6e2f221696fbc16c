"""Run every benchmark and write benchmarks/RESULTS.md.

    .venv/bin/python -m benchmarks.run --sizes 1e4,1e5 --quick

For each size: generate the graph (benchmarks/data/, cached by size and seed), load it with dmkg's
loader and with ``oxigraph load`` (benchmarks/work/), then run the query benchmark on the stores just
loaded. Raw numbers go to benchmarks/work/results.json, the report to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

from benchmarks import generate, load, queries
from benchmarks.common import BENCH, OXIGRAPH, REPO, count_lines

HEAVY_MS = 10.0  # the line between heavy queries and point lookups (in-process time)
QUICK_QUERIES = {"cat:treatment-timeline", "cat:treatment-response", "cat:statement-provenance",
                 "cat:class-counts", "cat:graph-sizes"} | {q.name for q in queries.STANDARD}


def machine() -> dict:
    cpu = "?"
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as f:
        mem_kib = int(f.readline().split()[1])
    versions = {}
    for pkg in ("pyoxigraph", "oxigraph", "rdflib", "rdflib-endpoint", "uvicorn", "flask", "waitress"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = "not installed"
    versions["oxigraph CLI"] = subprocess.run([str(OXIGRAPH), "--version"], capture_output=True,
                                              text=True).stdout.strip()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                            text=True).stdout.strip()
    return {"cpu": cpu, "cpus": os.cpu_count(), "mem_gib": round(mem_kib / 2**20, 1),
            "kernel": platform.release(), "python": platform.python_version(), "versions": versions,
            "commit": commit, "loadavg_at_start": os.getloadavg()}


def run_size(size: int, args: argparse.Namespace, with_queries: bool = True) -> dict:
    nq = BENCH / "data" / f"g-{size:.0e}-s{args.seed}.nq".replace("+", "")
    if not nq.exists():
        t = time.perf_counter()
        generate.write(size, nq, args.seed)
        print(f"generated {nq.name} in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    quads = count_lines(nq)
    work = BENCH / "work" / nq.stem
    print(f"[{quads} quads] load ...", file=sys.stderr)
    res_load = load.measure(nq, work, repeat=args.load_repeat if with_queries else 1,
                            timeout=args.load_timeout)
    if not with_queries:  # a load-only size (10^7): free the disk at once
        shutil.rmtree(work, ignore_errors=True)
        if not args.keep_data:
            nq.unlink()
        return {"size": size, "file": nq.name, "quads": quads, "load": res_load}
    print(f"[{quads} quads] queries ...", file=sys.stderr)
    res_q = queries.run_all(
        nq, quads, work / "dmkg" / "store", work / "oxigraph", work,
        concurrencies=tuple(args.concurrency), requests_per_client=args.requests_per_client,
        max_requests=args.max_requests, seconds=args.seconds,
        only=({q.name for q in queries.STANDARD} if args.shapes_only
              else QUICK_QUERIES if args.quick else None),
        log=lambda m: print(m, file=sys.stderr), drain=args.drain, dmkg_workers=args.dmkg_workers,
        rdflib_large=args.rdflib_large, unique=args.unique)
    print(f"[{quads} quads] worker-pool probe ...", file=sys.stderr)
    out = {"size": size, "file": nq.name, "quads": quads, "load": res_load, "queries": res_q,
           "probe": run_probe(work / "dmkg" / "store", args.seconds)}
    smallest = size == min(int(float(x)) for x in args.sizes.split(","))
    if args.cpu_per_request and smallest:
        out["cpu_per_request"] = cpu_per_request(work / "dmkg" / "store", args)
    if args.profile_http and smallest:
        from benchmarks.profile_http import profile as profile_http
        out["http_profiles"] = [
            {**profile_http(work / "dmkg" / "store", qn, args.profile_seconds, clients=8,
                            workers=args.dmkg_workers, gil=gil), "gil": gil}
            for qn in args.profile_http.split(",") for gil in (False, True)]
    if args.profile and size == max(int(float(x)) for x in args.sizes.split(",")):
        from benchmarks.profile_pool import profile
        out["profiles"] = [profile(work / "dmkg" / "store", q, args.profile_seconds)
                           for q in args.profile.split(",")]
    return out


def cpu_per_request(store: Path, args: argparse.Namespace) -> list[dict]:
    """CPU per answered request of each process, the 8 shapes at c=8, dmkg serve and oxigraph serve."""
    from benchmarks.cpu_per_request import measure
    rows = []
    for q in queries.STANDARD:
        for server in ("oxigraph", "dmkg"):
            try:
                rows.append(measure(store, q.name, 8, args.seconds, server, unique=args.unique))
            except Exception as e:  # noqa: BLE001 - one failed cell is reported, the run goes on
                rows.append({"server": server, "query": q.name, "error": f"{type(e).__name__}: {e}"})
            print(f"  cpu/request {server:8s} {q.name:24s} {rows[-1]}", file=sys.stderr)
    return rows


def time_seed_build(repeat: int = 2) -> dict:
    """`dmkg build` of the seed graph (reasoning and validation included) into a temporary DMKG_BUILD,
    so the project's own build/ is left alone; wall seconds of each run."""
    import tempfile
    dmkg = Path(sys.executable).parent / "dmkg"
    runs = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="seed-build-") as tmp:
            t = time.perf_counter()
            r = subprocess.run([str(dmkg), "build"], cwd=REPO, capture_output=True, text=True, timeout=600,
                               env={**os.environ, "DMKG_BUILD": tmp})
            if r.returncode != 0:
                return {"error": (r.stderr.strip().splitlines() or ["?"])[-1]}
            runs.append(time.perf_counter() - t)
    return {"runs_s": runs, "median_s": statistics.median(runs)}


def run_probe(store: Path, seconds: float) -> dict:
    """benchmarks.executor_probe in a child (it starts dmkg's worker pool); {'error': ...} if unavailable."""
    cmd = [sys.executable, "-m", "benchmarks.executor_probe", str(store), "--seconds", str(seconds),
           "--concurrency", "1,8"]
    try:
        r = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=40 * seconds + 60)
    except subprocess.TimeoutExpired:
        return {"error": "timed out"}
    if r.returncode != 0:
        return {"error": (r.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(r.stdout)


# --------------------------------------------------------------------------------------------------
# report


def _f(x: float | None, nd: int = 1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:,.{nd}f}"


def _gmean(values: list[float]) -> float | None:
    vals = [v for v in values if v and v > 0 and not math.isnan(v)]
    return math.exp(sum(map(math.log, vals)) / len(vals)) if vals else None


def _cell_txt(cell: dict) -> str:
    """errors / cut off of one cell, e.g. '0', '3 (HTTP 503)', '0 / 5 cut'."""
    if not cell:
        return "–"
    if "error" in cell:
        return "failed"
    txt = str(cell.get("errors", "–"))
    kinds = cell.get("error_kinds") or {}
    if kinds:
        txt += " (" + ", ".join(f"{k}: {v}" for k, v in kinds.items()) + ")"
    if cell.get("cut_off"):
        txt += f" / {cell['cut_off']} cut"
    return txt


def query_section(r: dict) -> list[str]:
    out: list[str] = []
    q = r["queries"]
    http = q["http"]
    targets = [t for t in ("oxigraph", "dmkg", "rdflib") if t in http]
    concs = sorted({int(k.rsplit("@", 1)[1]) for t in targets for k in http[t]})
    out.append(f"## Queries at {r['quads']:,} quads\n")
    ready = ", ".join(f"{k} {v:.2f} s" for k, v in q["ready_s"].items())
    out.append(f"Servers ready (process start to first answer): {ready}.\n")
    out.append("Throughput (requests/s, answered requests ÷ the time until the last answer) and p50/p99 "
               "latency (ms) of answered requests; `×ox` is the ratio to `oxigraph serve` from the same run "
               "(throughput, and p99 for dmkg); `in-proc` is pyoxigraph in this process, evaluate + "
               "serialise, one thread. Kind: heavy if in-process p50 ≥ 10 ms. `err` counts answers other "
               "than 200 and failed connections (kinds in brackets); `cut` counts requests still unanswered "
               "when the cell's drain time ran out (not errors: the server was still working on them).\n")
    head = "| query | kind | in-proc p50 | c | ox rps | ox p50 | ox p99 | ox err |"
    sep = "|---|---|---:|---:|---:|---:|---:|---:|"
    if "dmkg" in targets:
        head += " dmkg rps | dmkg p50 | dmkg p99 | dmkg err | dmkg ×ox rps | dmkg ×ox p99 |"
        sep += "---:|---:|---:|---:|---:|---:|"
    if "rdflib" in targets:
        head += " rdflib rps | rdflib p50 | rdflib p99 | rdflib err | rdflib ×ox rps |"
        sep += "---:|---:|---:|---:|---:|"
    out.append(head)
    out.append(sep)
    summary: dict[tuple[str, str, int], list[float]] = {}
    for name in q["queries"]:
        ip = q["inprocess"][name]["p50_ms"]
        kind = "heavy" if ip >= HEAVY_MS else "light"
        for c in concs:
            ox_cell = http["oxigraph"].get(f"{name}@{c}", {})
            row = (f"| {name} | {kind} | {_f(ip, 2)} | {c} | {_f(ox_cell.get('throughput_rps'))} | "
                   f"{_f(ox_cell.get('p50_ms'), 2)} | {_f(ox_cell.get('p99_ms'), 2)} | "
                   f"{_cell_txt(ox_cell)} |")
            for t in targets[1:]:
                cell = http[t].get(f"{name}@{c}", {})
                ratio = (cell.get("throughput_rps", 0) / ox_cell["throughput_rps"]
                         if ox_cell.get("throughput_rps") and cell else None)
                if cell:
                    summary.setdefault((t, kind, c), []).append(ratio or 0.0)
                row += (f" {_f(cell.get('throughput_rps'))} | {_f(cell.get('p50_ms'), 2)} | "
                        f"{_f(cell.get('p99_ms'), 2)} | {_cell_txt(cell)} | {_f(ratio, 2)} |")
                if t == "dmkg":
                    p99r = (cell.get("p99_ms") / ox_cell["p99_ms"]
                            if ox_cell.get("p99_ms") and cell.get("p99_ms") else None)
                    row += f" {_f(p99r, 2)} |"
            out.append(row)
    out.append("")
    if summary:
        out.append("Geometric mean of the throughput ratio to `oxigraph serve` (a target that answered "
                   "nothing in a cell counts as 0 and is left out of the mean; see the err columns):\n")
        out.append("| target | kind | " + " | ".join(f"c={c}" for c in concs) + " |")
        out.append("|---|---|" + "---:|" * len(concs))
        for t in targets[1:]:
            for kind in ("heavy", "light"):
                cells = [_f(_gmean(summary.get((t, kind, c), [])), 3) for c in concs]
                out.append(f"| {t} | {kind} | " + " | ".join(cells) + " |")
        out.append("")
    consts = [t for t in ("const-wsgi", "const-flask", "const-granian-wsgi", "const-granian-flask")
              if t in http]
    if consts:
        out.append("Fixed cost of the HTTP stack, same run: the point lookup's exact request sent to apps "
                   "that return a constant 54-byte SPARQL-JSON body without any work "
                   "(`benchmarks/const_server.py`: a bare WSGI callable and a one-view Flask app, each "
                   "under waitress and under granian with dmkg serve's thread count), next to the real "
                   "servers (`dmkg` = its default front end, `dmkg-waitress` = `--front waitress`):\n")
        out.append("| server | c | rps | p50 ms | p99 ms | err |")
        out.append("|---|---:|---:|---:|---:|---:|")
        for t in ["oxigraph", *consts, "dmkg", "dmkg-waitress"]:
            for c in concs:
                cell = http.get(t, {}).get(f"point-lookup@{c}")
                if cell:
                    out.append(f"| {t} | {c} | {_f(cell.get('throughput_rps'))} | "
                               f"{_f(cell.get('p50_ms'), 2)} | {_f(cell.get('p99_ms'), 2)} | "
                               f"{_cell_txt(cell)} |")
        out.append("")
    if q["notes"]:
        out.append("Notes:\n")
        out.extend(f"- {n.splitlines()[0][:300]}" for n in q["notes"])
        out.append("")
    return out


def _ratio(a: dict, b: dict, key: str = "throughput_rps") -> float | None:
    if not a or not b or not b.get(key) or a.get(key) is None or math.isnan(a.get(key) or 0.0):
        return None
    return a[key] / b[key]


def targets_section(results: list[dict], meta: dict) -> list[str]:
    """Every target of issue 6 with the measured value and met / missed."""
    out = ["## The issue's targets\n",
           "Computed from the tables above (largest query size; concurrency 8 where the issue says so). "
           "Heavy = in-process p50 ≥ 10 ms; point lookup = the `point-lookup` shape.\n",
           "| target | measured | verdict |", "|---|---|---|"]

    def verdict(ok: bool | None) -> str:
        return "–" if ok is None else ("**met**" if ok else "**missed**")

    qres = [r for r in results if "queries" in r]
    if qres:
        r = max(qres, key=lambda x: x["quads"])
        q = r["queries"]
        http = q["http"]
        size = f"{r['quads']:,} quads"
        if "dmkg" in http:
            heavy = [n for n in q["queries"] if q["inprocess"][n]["p50_ms"] >= HEAVY_MS]
            ratios = {n: _ratio(http["dmkg"].get(f"{n}@8", {}), http["oxigraph"].get(f"{n}@8", {}))
                      for n in heavy}
            vals = [v for v in ratios.values() if v is not None]
            gm = _gmean(vals)
            low = sorted((v, n) for n, v in ratios.items() if v is not None and v < 0.8)
            lows = ", ".join(f"{n} {v:.2f}" for v, n in low) or "none"
            lowest = _f(min(vals) if vals else None, 2)
            out.append(f"| dmkg serve ≥ 0.8× oxigraph throughput, heavy queries, c=8 ({size}) | geometric "
                       f"mean {_f(gm, 2)} over {len(vals)} heavy queries (min {lowest}; "
                       f"below 0.8: {lows}) | {verdict(None if gm is None else gm >= 0.8)} |")
            pl = _ratio(http["dmkg"].get("point-lookup@8", {}), http["oxigraph"].get("point-lookup@8", {}))
            out.append(f"| dmkg serve ≥ 0.5× oxigraph throughput, point lookups, c=8 | {_f(pl, 2)} | "
                       f"{verdict(None if pl is None else pl >= 0.5)} |")
            for label, names in (("heavy queries", heavy), ("point lookup", ["point-lookup"])):
                p99 = {n: _ratio(http["dmkg"].get(f"{n}@8", {}), http["oxigraph"].get(f"{n}@8", {}),
                                 "p99_ms") for n in names}
                pv = [v for v in p99.values() if v is not None]
                over = sorted((v, n) for n, v in p99.items() if v is not None and v > 2)
                txt = (f"max {_f(max(pv), 2)}, geometric mean {_f(_gmean(pv), 2)}; over 2: "
                       + (", ".join(f"{n} {v:.2f}" for v, n in over) or "none")) if pv else "–"
                out.append(f"| dmkg p99 ≤ 2× oxigraph's, {label}, c=8 | {txt} | "
                           f"{verdict(None if not pv else not over)} |")
        # rdflib: at the largest size where it ran
        rr = [x for x in qres if "rdflib" in x["queries"]["http"] and "dmkg" in x["queries"]["http"]]
        if rr:
            x = max(rr, key=lambda y: y["quads"])
            hh = x["queries"]["http"]
            per = []
            for key, cell in hh["rdflib"].items():
                d = hh["dmkg"].get(key, {})
                if not d.get("throughput_rps"):
                    continue
                per.append((key, d["throughput_rps"] / cell["throughput_rps"]
                            if cell.get("throughput_rps") else math.inf))
            finite = [v for _, v in per if v != math.inf]
            inf = [k for k, v in per if v == math.inf]
            low = sorted((v, k) for k, v in per if v < 20)
            gm = _gmean(finite)
            out.append(f"| dmkg serve ≥ 20× rdflib-endpoint, same queries ({x['quads']:,} quads) | geometric "
                       f"mean {_f(gm, 1)} over {len(finite)} cells where rdflib answered; rdflib answered "
                       f"nothing in {len(inf)} more; below 20×: "
                       + (", ".join(f"{k} {v:.1f}" for v, k in low) or "none")
                       + f" | {verdict(None if gm is None else (gm >= 20))} |")
        ready = q["ready_s"].get("dmkg")
        out.append(f"| `dmkg serve` ready ≤ 2 s ({size}) | {_f(ready, 2)} s (process start to first answer "
                   f"to a query) | {verdict(None if ready is None else ready <= 2)} |")
    for r in results:
        ld = r["load"]
        rt = ld["ratio_triples_per_s"]
        out.append(f"| loading ≥ 0.8× `oxigraph load` triples/s ({r['quads']:,} quads) | {rt:.2f} "
                   f"({ld['dmkg']['triples_per_s']:,.0f} vs {ld['oxigraph']['triples_per_s']:,.0f}) | "
                   f"{verdict(rt >= 0.8)} |")
    big = [r for r in results if r["quads"] >= 9_000_000]
    for r in big:
        rss = r["load"]["dmkg"]["peak_rss_mib"]
        out.append(f"| peak RSS at 10^7 ≤ 2 GiB ({r['quads']:,} quads) | {rss:,.0f} MiB | "
                   f"{verdict(rss <= 2048)} |")
    sb = meta.get("seed_build") or {}
    if "median_s" in sb:
        runs = ", ".join(f"{x:.1f}" for x in sb["runs_s"])
        out.append(f"| `dmkg build` of the seed graph with reasoning and validation ≤ 10 s | "
                   f"{sb['median_s']:.1f} s (runs: {runs} s) | {verdict(sb['median_s'] <= 10)} |")
    elif sb:
        out.append(f"| `dmkg build` of the seed graph ≤ 10 s | failed: {sb.get('error')} | – |")
    out.append("")
    return out


SHAPE_TARGETS = ((200_000, 0.5), (float("inf"), 0.7))  # issue 13: >= 0.5x at 10^4, >= 0.7x at 10^6


def headline_section(results: list[dict]) -> list[str]:
    """Issue 13's headline: the 8 standard shapes at concurrency 8, dmkg serve against oxigraph serve
    (and rdflib-endpoint), per size, from the same run."""
    out = ["## Headline: the 8 shapes at concurrency 8, every request unique\n",
           "Requests/s of `oxigraph serve-read-only` and `dmkg serve` (defaults: 30 s hard limit, worker "
           "pool, guard, limits all on) on the same store, `×ox` = dmkg ÷ oxigraph from the same run; p99 "
           "ratio likewise; errors of dmkg in brackets when any. Target (issue 13): geometric mean ≥ 0.5× "
           "at 10⁴, ≥ 0.7× at 10⁶, p99 ≤ 2× oxigraph's, no errors.\n"]
    for r in results:
        if "queries" not in r:
            continue
        http = r["queries"]["http"]
        if "dmkg" not in http:
            continue
        out.append(f"**{r['quads']:,} quads**\n")
        out.append("| shape | ox rps | dmkg rps | dmkg ×ox | dmkg p99 ×ox | `--front waitress` ×ox | "
                   "one web process (`--web-processes 1 --workers 2`) ×ox (p99 ×ox) | "
                   "rdflib rps | rdflib ×ox |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        ratios, p99s, errors = [], [], 0
        for q in queries.STANDARD:
            key = f"{q.name}@8"
            ox, dm, rd, wt, w2 = (http.get(t, {}).get(key, {})
                                  for t in ("oxigraph", "dmkg", "rdflib", "dmkg-waitress", "dmkg-web1"))
            ratio, p99 = _ratio(dm, ox), _ratio(dm, ox, "p99_ms")
            if ratio is not None:
                ratios.append(ratio)
            if p99 is not None:
                p99s.append((p99, q.name))
            errors += dm.get("errors", 0) or 0
            err = f" ({_cell_txt(dm)})" if dm.get("errors") or dm.get("cut_off") else ""
            out.append(f"| {q.name} | {_f(ox.get('throughput_rps'))} | {_f(dm.get('throughput_rps'))}{err} | "
                       f"**{_f(ratio, 2)}** | {_f(p99, 2)} | {_f(_ratio(wt, ox), 2)} | "
                       f"{_f(_ratio(w2, ox), 2)} ({_f(_ratio(w2, ox, 'p99_ms'), 2)}) | "
                       f"{_f(rd.get('throughput_rps'))} | {_f(_ratio(rd, ox), 2)} |")
        gm = _gmean(ratios)
        want = next(t for limit, t in SHAPE_TARGETS if r["quads"] <= limit)
        over = [f"{n} {v:.2f}" for v, n in sorted(p99s) if v > 2]
        met = gm is not None and gm >= want and not over and not errors
        wgm, w2gm = (_gmean([_ratio(http.get(t, {}).get(f"{q.name}@8", {}),
                                    http["oxigraph"].get(f"{q.name}@8", {})) or 0 for q in queries.STANDARD])
                     for t in ("dmkg-waitress", "dmkg-web1"))
        out.append(f"| **geometric mean** | | | **{_f(gm, 2)}** (target ≥ {want}) | max "
                   f"{_f(max(v for v, _ in p99s) if p99s else None, 2)} | {_f(wgm, 2)} | {_f(w2gm, 2)} | | |")
        out.append("")
        out.append(f"Verdict at {r['quads']:,} quads: {'**met**' if met else '**missed**'} (throughput "
                   f"{_f(gm, 2)} vs ≥ {want}; p99 over 2×: {', '.join(over) or 'none'}; dmkg errors: "
                   f"{errors}).\n")
    for r in results:
        rows = r.get("cpu_per_request")
        if not rows:
            continue
        out.append(f"### CPU per answered request at {r['quads']:,} quads (c=8, unique requests)\n")
        out.append("`benchmarks/cpu_per_request.py`: user + system CPU of each process over a "
                   "loadgen window ÷ answers (from /proc, no profiler). For oxigraph the web column is its "
                   "whole (multi-threaded Rust) server.\n")
        out.append("| shape | ox rps | ox CPU ms/req | dmkg rps | dmkg web process ms/req (user + sys) | "
                   "dmkg query workers ms/req |")
        out.append("|---|---:|---:|---:|---:|---:|")
        by = {(x["server"], x["query"]): x for x in rows}
        for q in queries.STANDARD:
            o, d = by.get(("oxigraph", q.name), {}), by.get(("dmkg", q.name), {})
            oc = (o["web_user_ms"] + o["web_sys_ms"]) if "web_user_ms" in o else None
            web = (f"{d['web_user_ms'] + d['web_sys_ms']:.3f} ({d['web_user_ms']:.3f} + "
                   f"{d['web_sys_ms']:.3f})") if "web_user_ms" in d else d.get("error", "–")
            out.append(f"| {q.name} | {_f(o.get('rps'), 0)} | {_f(oc, 3)} | {_f(d.get('rps'), 0)} | {web} | "
                       f"{_f(d.get('workers_ms'), 3)} |")
        out.append("")
    return out


def report(results: list[dict], meta: dict, argv: list[str], elapsed: float) -> str:
    out = []
    sizes = ", ".join(f"{r['quads']:,}" for r in results)
    out.append("# dmkg benchmarks: results\n")
    out.append(f"**Sizes in this file: {sizes} quads** (synthetic graph in dmkg's schema, seed "
               f"{meta['seed']}). Produced by `.venv/bin/python -m benchmarks.run {' '.join(argv)}` "
               f"in {elapsed / 60:.1f} min on {meta['date']} (commit `{meta['commit']}`).\n")
    out.append("Absolute times on this shared 2-core machine are noisy (load average "
               f"{', '.join(f'{x:.1f}' for x in meta['loadavg_at_start'])} at start); "
               "read the **ratios**, which are measured side by side in the same run.\n")
    out.extend(headline_section(results))
    out.append("## Machine and versions\n")
    out.append(f"- CPU: {meta['cpu']} × {meta['cpus']}; RAM {meta['mem_gib']} GiB; Linux {meta['kernel']}; "
               f"Python {meta['python']}")
    out.append("- " + "; ".join(f"{k} {v}" for k, v in meta["versions"].items()) + "\n")

    out.append("## Loading (dmkg `kg.store.load_store` vs `oxigraph load`)\n")
    out.append("Each loader in its own child process on the same N-Quads file; peak RSS is that child's "
               "`ru_maxrss`. dmkg's time includes the Python interpreter's start-up and imports; both "
               "stream the file (`Store.bulk_load(path=…)` / `oxigraph load --file`).\n")
    out.append("| quads | dmkg s | dmkg triples/s | dmkg peak RSS MiB | oxigraph s | oxigraph triples/s "
               "| oxigraph peak RSS MiB | ratio triples/s (target ≥ 0.8) | ratio RSS |")
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        ld = r["load"]
        d, o = ld["dmkg"], ld["oxigraph"]
        out.append(f"| {r['quads']:,} | {_f(d['seconds'], 2)} | {_f(d['triples_per_s'], 0)} | "
                   f"{_f(d['peak_rss_mib'], 0)} | {_f(o['seconds'], 2)} | {_f(o['triples_per_s'], 0)} | "
                   f"{_f(o['peak_rss_mib'], 0)} | **{ld['ratio_triples_per_s']:.2f}** | "
                   f"{ld['ratio_peak_rss']:.2f} |")
    out.append("")

    for r in results:
        if "queries" not in r:
            continue
        out.extend(query_section(r))
    out.extend(targets_section(results, meta))
    out.append("## dmkg serve's isolation layer alone (`server.executor.WorkerPool`, no HTTP)\n")
    out.append("`benchmarks/executor_probe.py`: the same task evaluated and serialised to bytes by "
               "`server.worker.evaluate` in-process vs through `WorkerPool.run` (2 long-lived workers, "
               "pipe round trip); threads play the clients. Flask/waitress come on top of it in "
               "`dmkg serve`.\n")
    for r in results:
        if "queries" not in r:
            continue
        probe = r.get("probe") or {}
        if "error" in probe:
            out.append(f"- {r['quads']:,} quads: not run ({probe['error']})\n")
            continue
        out.append(f"At {r['quads']:,} quads (p50 ms / requests/s; "
                   "`pool×` = pool ÷ in-process throughput):\n")
        out.append("| query | c=1 in-proc | c=1 pool | c=1 pool× | c=8 in-proc | c=8 pool | c=8 pool× |")
        out.append("|---|---:|---:|---:|---:|---:|---:|")
        for name, row in probe.items():
            cells = []
            for c in (1, 8):
                i, p = row[f"inproc@{c}"], row[f"pool@{c}"]
                cells += [f"{i['p50_ms']:.2f} / {i['rps']:,.0f}", f"{p['p50_ms']:.2f} / {p['rps']:,.0f}",
                          f"{row[f'ratio_rps@{c}']:.2f}"]
            out.append(f"| {name} | " + " | ".join(cells) + " |")
        out.append("")
    for r in results:
        for prof in r.get("http_profiles", []):
            mode = "only the thread holding the GIL (`--gil`)" if prof.get("gil") else "every running thread"
            out.append(f"## Profile: dmkg serve's web process, `{prof.get('query')}`, {r['quads']:,} quads, "
                       f"{'GIL holder' if prof.get('gil') else 'all threads'}\n")
            if "error" in prof:
                out.append(f"Not run: {prof['error']}\n")
                continue
            total = prof["samples"] or 1
            out.append(f"`benchmarks/profile_http.py`: py-spy on the running `dmkg serve` web process (not "
                       f"the query workers) at {prof['rate']} Hz for {prof['seconds']:g} s, sampling {mode}, "
                       f"while `loadgen` sends the query from {prof['clients']} clients; "
                       f"{_f(prof['rps_under_profiler'], 0)} requests/s under the profiler; {total:,} "
                       "samples "
                       f"of running code ({total / prof['seconds'] / prof['rate']:.0%} of one core), "
                       f"{prof['blocked_samples']:,} more of threads blocked in poll/wait (left out). "
                       "Inclusive shares (nested rows are part of the row above):\n")
            out.append("| component | share of web-process samples |")
            out.append("|---|---:|")
            for name, n in prof["components"]:
                label = name.lstrip(" ")
                indent = "&nbsp;" * 2 * (len(name) - len(label))
                out.append(f"| {indent}{label} | {n / total:.1%} |")
            out.append("")
            out.append("| leaf function | share |")
            out.append("|---|---:|")
            for leaf, n in prof["top_leaves"][:10]:
                out.append(f"| `{leaf}` | {n / total:.1%} |")
            out.append("")
        for prof in r.get("profiles", []):
            out.append(f"## Profile: `{prof.get('query')}` through the worker pool at {r['quads']:,} quads\n")
            if "error" in prof:
                out.append(f"Not run: {prof['error']}\n")
                continue
            total = sum(prof["samples"].values()) or 1
            shares = ", ".join(f"{k} {v / total:.0%}" for k, v in prof["samples"].items())
            out.append(f"`benchmarks/profile_pool.py`: py-spy `--subprocesses` at 250 Hz, {prof['clients']} "
                       f"client threads, 2 workers, {prof['seconds']:g} s; "
                       f"{_f(prof['rps_under_profiler'], 0)} requests/s under the profiler. "
                       f"Samples by side: {shares} (py-spy counts threads blocked in a read/poll as "
                       "samples too: they mark waiting, not CPU).\n")
            out.append("| side | leaf function | samples | share of side |")
            out.append("|---|---|---:|---:|")
            for side, fn, n in prof["top_leaves"]:
                out.append(f"| {side} | `{fn}` | {n} | {n / (prof['samples'].get(side) or 1):.0%} |")
            out.append("")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1e4,1e5", help="comma-separated target sizes in triples")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--quick", action="store_true",
                    help="standard shapes + 5 catalogue queries, short cells (a few minutes at 1e4-1e5)")
    ap.add_argument("--concurrency", type=lambda s: [int(x) for x in s.split(",")], default=[1, 8, 32])
    ap.add_argument("--seconds", type=float, default=None, help="wall-time limit per HTTP cell")
    ap.add_argument("--requests-per-client", type=int, default=None)
    ap.add_argument("--max-requests", type=int, default=None, help="request cap per HTTP cell")
    ap.add_argument("--load-sizes", default="",
                    help="further sizes for the load comparison only (one run each; graph file and stores "
                         "deleted right after unless --keep-data), e.g. 1e7")
    ap.add_argument("--keep-data", action="store_true", help="keep the --load-sizes graph files")
    ap.add_argument("--drain", type=float, default=None,
                    help="seconds a request in flight at the end of a cell may still take (default: "
                         "--seconds); unanswered then: counted as cut off, not as an error")
    ap.add_argument("--dmkg-workers", type=int, default=None, help="--workers for dmkg serve [its default]")
    ap.add_argument("--rdflib-large", action="store_true",
                    help="above 10^5 quads, still run rdflib-endpoint on the standard shapes at c <= 8")
    ap.add_argument("--load-repeat", type=int, default=None)
    ap.add_argument("--load-timeout", type=float, default=3600.0)
    ap.add_argument("--out", type=Path, default=BENCH / "RESULTS.md")
    ap.add_argument("--profile", default="",
                    help="comma-separated standard queries to profile through dmkg's worker pool with py-spy "
                         "at the largest size, e.g. point-lookup,optional-heavy")
    ap.add_argument("--profile-http", default="",
                    help="comma-separated standard queries to profile dmkg serve's web process with py-spy "
                         "under 8 clients at the smallest size (benchmarks/profile_http.py)")
    ap.add_argument("--profile-seconds", type=float, default=5.0)
    ap.add_argument("--unique", action="store_true",
                    help="every request's query ends in its own comment: no result cache can answer it")
    ap.add_argument("--shapes-only", action="store_true",
                    help="only the 8 standard shapes (point lookup ... DESCRIBE), not the catalogue")
    ap.add_argument("--cpu-per-request", action="store_true",
                    help="at the smallest size: CPU per request of each process, 8 shapes, c=8")
    args = ap.parse_args(argv)
    quick = args.quick
    args.seconds = args.seconds or (1.5 if quick else 10.0)
    args.requests_per_client = args.requests_per_client or (20 if quick else 100)
    args.max_requests = args.max_requests or (200 if quick else 2000)
    args.load_repeat = args.load_repeat or (1 if quick else 3)
    start = time.perf_counter()
    meta = machine() | {"seed": args.seed, "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}
    meta["seed_build"] = time_seed_build()
    print(f"seed build: {meta['seed_build']}", file=sys.stderr)
    results = [run_size(int(float(s)), args) for s in args.sizes.split(",")]
    results += [run_size(int(float(s)), args, with_queries=False) for s in args.load_sizes.split(",") if s]
    elapsed = time.perf_counter() - start
    raw = BENCH / "work" / "results.json"
    raw.parent.mkdir(parents=True, exist_ok=True)
    raw.write_text(json.dumps({"meta": meta, "argv": argv, "results": results}, indent=1, default=str))
    args.out.write_text(report(results, meta, argv, elapsed), encoding="utf-8")
    print(f"wrote {args.out} and {raw} in {elapsed:.0f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

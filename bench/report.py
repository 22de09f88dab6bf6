#!/usr/bin/python3
"""Formats bench/run's measurements as Markdown tables (standard library only).

    report.py compare TIMES VERIFY EVENTS   the comparison table (one row per tool)
    report.py big TIMES EVENTS BIG          peak RSS of both runners at EVENTS and BIG

TIMES lines: "name.round wall_s cpu_s rss_mb load1" (name.round: reference.1, direct.1, ...).
"""
import statistics
import sys
from collections import defaultdict

TARGETS = {"direct": ("vs reference >= 0.25x", 0.25), "flink": ("vs reference >= 1.2x", 1.2)}
LABELS = {
    "reference": "reference (1 thread, no Beam)",
    "direct": "Sluice, DirectRunner",
    "flink": "Sluice, Flink local, parallelism 2",
    "pandas": "pandas script",
}


def read(path):
    rows = []
    for line in open(path):
        parts = line.split()
        if len(parts) == 5 and parts[1] != "failed":
            name, rnd = parts[0].rsplit(".", 1)
            rows.append((name, rnd, float(parts[1]), float(parts[2]), int(parts[3]), parts[4]))
        elif len(parts) >= 2:
            name, rnd = parts[0].rsplit(".", 1)
            rows.append((name, rnd, None, None, None, parts[-1]))
    return rows


def compare(times, verify, events):
    rows = read(times)
    by_round = defaultdict(dict)
    for name, rnd, wall, cpu, rss, load in rows:
        by_round[rnd][name] = (wall, cpu, rss, load)
    checks = {}
    for line in open(verify):
        name, _, text = line.strip().partition(" ")
        checks[name] = text
    names = [n for n in LABELS if any(n in r for r in by_round.values())]
    out = [f"### {events:,} events: the same work four ways", "",
           "| tool | events/s | wall s | CPU s | peak RSS MB | vs reference | vs pandas |"
           " load (1 min) at start | output check |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"]
    best_sluice_vs_pandas = []
    for name in names:
        walls = [r[name][0] for r in by_round.values() if name in r and r[name][0]]
        if not walls:
            out.append(f"| {LABELS[name]} | failed | | | | | | | |")
            continue
        cpus = [r[name][1] for r in by_round.values() if name in r and r[name][1]]
        rsss = [r[name][2] for r in by_round.values() if name in r and r[name][2]]
        loads = [r[name][3] for r in by_round.values() if name in r]
        # Ratios per round (same round, same load), then the median over rounds.
        vs_ref = [r["reference"][0] / r[name][0] for r in by_round.values()
                  if name in r and r[name][0] and r.get("reference", (None,))[0]]
        vs_pandas = [r["pandas"][0] / r[name][0] for r in by_round.values()
                     if name in r and r[name][0] and r.get("pandas", (None,))[0]]
        wall = statistics.median(walls)
        cell_ref = f"{statistics.median(vs_ref):.2f}x" if vs_ref else ""
        cell_pd = f"{statistics.median(vs_pandas):.1f}x" if vs_pandas else ""
        out.append(f"| {LABELS[name]} | {events / wall:,.0f} | {wall:.1f} |"
                   f" {statistics.median(cpus):.1f} | {max(rsss):,} | {cell_ref} | {cell_pd} |"
                   f" {', '.join(loads)} | {checks.get(name, 'bar' if name == 'reference' else '')} |")
        if name in ("direct", "flink") and vs_pandas:
            best_sluice_vs_pandas.append(statistics.median(vs_pandas))
    out.append("")
    out.append(f"Rounds: {len(by_round)}; each cell is the median over rounds, ratios are taken"
               " within a round (same input, same minute) and then the median. events/s ="
               " events read / wall seconds.")
    out.append("")
    out.append("| target | measured | met |")
    out.append("| --- | ---: | --- |")
    for name, (label, goal) in TARGETS.items():
        vs = [r["reference"][0] / r[name][0] for r in by_round.values()
              if name in r and r[name][0] and r.get("reference", (None,))[0]]
        if vs:
            m = statistics.median(vs)
            out.append(f"| {LABELS[name]} {label} | {m:.2f}x | {'yes' if m >= goal else 'no'} |")
    if best_sluice_vs_pandas:
        m = max(best_sluice_vs_pandas)
        out.append(f"| best Sluice runner vs pandas >= 10x | {m:.1f}x | {'yes' if m >= 10 else 'no'} |")
    out.append("")
    print("\n".join(out))


def big(times, events, bigger):
    rows = read(times)
    got = {(n, int(r)): (w, c, m, l) for n, r, w, c, m, l in rows}
    out = [f"### Peak RSS at {int(events):,} and {int(bigger):,} events", "",
           "| runner | events | wall s | CPU s | peak RSS MB | load at start |",
           "| --- | ---: | ---: | ---: | ---: | --- |"]
    runners = [n for n in ("direct", "flink") if any(k[0] == n for k in got)]
    for name in runners:
        for n in (int(events), int(bigger)):
            if (name, n) not in got:
                out.append(f"| {LABELS[name]} | {n:,} | not run | | | |")
                continue
            w, c, m, l = got[(name, n)]
            out.append(f"| {LABELS[name]} | {n:,} | {w if w is not None else 'failed'} |"
                       f" {c if c is not None else ''} | {m if m is not None else ''} | {l} |")
    out.append("")
    out.append("| target: peak RSS at the larger size / at the smaller <= 1.5x | ratio | met |")
    out.append("| --- | ---: | --- |")
    for name in runners:
        a = got.get((name, int(events)), (None, None, None, None))[2]
        b = got.get((name, int(bigger)), (None, None, None, None))[2]
        if a and b:
            out.append(f"| {LABELS[name]} | {b / a:.2f}x | {'yes' if b / a <= 1.5 else 'no'} |")
        else:
            out.append(f"| {LABELS[name]} | n/a (a run failed) | no |")
    out.append("")
    print("\n".join(out))


if __name__ == "__main__":
    if sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        big(sys.argv[2], sys.argv[3], sys.argv[4])

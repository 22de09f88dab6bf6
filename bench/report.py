#!/usr/bin/python3
"""Formats bench/run's measurements as Markdown (standard library only): issue 15's targets
table first, then one table per part with every run's wall and CPU seconds, peak RSS and the
1-minute load average when it started.

    report.py WORK EVENTS BIG RECORDS DIRECT_RECORDS FILES_EVENTS SEED_SECONDS

WORK/times-PART lines: "name wall_s cpu_s rss_mb load1" (wall "failed" when the run failed);
WORK/facts: "key value..." lines; WORK/verify: "name result"; WORK/stream-ledgers:
"name read written duplicates rejected".
"""
import os
import re
import statistics
import sys
from collections import defaultdict

LAYOUT_DAYS = ["16", "60", "333"]
RUNNERS = {"default": "default (embedded Flink, p = cores)", "direct": "DirectRunner",
           "reference": "reference (1 thread, no Beam)", "pandas": "pandas script"}


def times(work, part):
    """name -> list of (wall, cpu, rss, load), wall None when the run failed."""
    got = defaultdict(list)
    path = os.path.join(work, "times-" + part)
    if not os.path.exists(path):
        return got
    for line in open(path):
        p = line.split()
        if len(p) != 5:
            continue
        name = p[0].rsplit(".", 1)[0] if re.search(r"\.\d+$", p[0]) else p[0]
        if p[1] == "failed":
            got[name].append((None, None, None, p[4]))
        else:
            got[name].append((float(p[1]), float(p[2]), int(p[3]), p[4]))
    return got


def facts(work):
    f = {}
    path = os.path.join(work, "facts")
    if os.path.exists(path):
        for line in open(path):
            k, _, v = line.strip().partition(" ")
            f[k] = v
    return f


def med(runs, i):
    vals = [r[i] for r in runs if r[i] is not None]
    return statistics.median(vals) if vals else None


def loads(runs):
    return ", ".join(r[3] for r in runs)


def rate_of(text):
    m = re.search(r"([\d.]+) records/s", text or "")
    return float(m.group(1)) if m else None


def main():
    work, events, big, records, direct_records, files_events, seed_seconds = sys.argv[1:8]
    events, big, records, direct_records = int(events), int(big), int(records), int(direct_records)
    files_events = int(files_events)
    f = facts(work)
    batch, bigt, files = times(work, "batch"), times(work, "big"), times(work, "files")
    cafe, streams, startup = times(work, "cafe"), times(work, "streams"), times(work, "startup")
    verify = {}
    if os.path.exists(os.path.join(work, "verify")):
        for line in open(os.path.join(work, "verify")):
            name, _, text = line.strip().partition(" ")
            verify[name.rsplit(".", 1)[0]] = text
    ledgers = {}
    if os.path.exists(os.path.join(work, "stream-ledgers")):
        for line in open(os.path.join(work, "stream-ledgers")):
            p = line.split()
            ledgers[p[0]] = p[1:]

    targets = []  # (work, target, measured, load, met)

    def ratio_vs_ref(name, days):
        """events/s ratio to the reference, within each round, median."""
        a, r = batch.get(f"{name}-{days}", []), batch.get(f"reference-{days}", [])
        rs = [ref[0] / run[0] for run, ref in zip(a, r) if run[0] and ref[0]]
        return statistics.median(rs) if rs else None

    # Streams.
    def stream_rate(name):
        runs = streams.get(name)
        if not runs or runs[0][0] is None or name not in ledgers or ledgers[name][0] == "-":
            return None, runs[0][3] if runs else "", None
        read = int(ledgers[name][0])
        return read / runs[0][0], runs[0][3], read

    sdk_sqs = f.get("sdk-sqs", "").split(" ", 1)
    seed = f.get("seed-sqs", "").split(" ", 1)
    sdk_kin = f.get("sdk-kinesis", "").split(" ", 1)
    if streams or sdk_sqs[0]:
        r, load, read = stream_rate("sqs-default")
        sdk = rate_of(sdk_sqs[1]) if len(sdk_sqs) > 1 else None
        sd = rate_of(seed[1]) if len(seed) > 1 else None
        parts = [f"{r:,.0f}/s ({read:,} records)" if r else "failed or not run"]
        if sdk:
            parts.append(f"bare SDK {sdk:,.0f}/s (load {sdk_sqs[0]}): {r / sdk:.2f}x" if r else f"bare SDK {sdk:,.0f}/s")
        if sd:
            parts.append(f"seed script {sd:,.0f}/s (load {seed[0]}): {r / sd:.1f}x" if r else f"seed script {sd:,.0f}/s")
        met = bool(r and r >= 3000 and sdk and r >= 0.5 * sdk and sd and r >= 10 * sd)
        targets.append((f"SQS -> Postgres, {records:,}, default runner; vs bare SDK; vs seed script",
                        ">= 3,000/s; >= 0.5x SDK; >= 10x script", "; ".join(parts), load,
                        "yes" if met else "no"))
        r, load, read = stream_rate("kinesis-default")
        sdk = rate_of(sdk_kin[1]) if len(sdk_kin) > 1 else None
        m = f"{r:,.0f}/s ({read:,} records)" if r else "failed or not run"
        if sdk:
            m += f"; bare SDK reader {sdk:,.0f}/s (load {sdk_kin[0]})"
        targets.append((f"Kinesis -> S3 + Postgres, {records:,}, 2 shards, default runner",
                        ">= 3,000/s", m, load, "yes" if r and r >= 3000 else "no"))
        ms, ls, ok = [], [], True
        for name, label in (("sqs-direct", "SQS"), ("kinesis-direct", "Kinesis")):
            r, load, read = stream_rate(name)
            ms.append(f"{label} {r:,.0f}/s ({read:,})" if r else f"{label} failed or not run")
            ls.append(load)
            ok = ok and bool(r and r >= 500)
        targets.append(("both stream paths, DirectRunner", ">= 500/s", "; ".join(ms),
                        ", ".join(ls), "yes" if ok else "no"))
    if cafe:
        d, x = cafe.get("cafe-default", [(None,) * 4])[0], cafe.get("cafe-direct", [(None,) * 4])[0]
        inp = f.get("cafe-input", "? ?").split()
        targets.append((f"cafe, {inp[1]} sales in {inp[0]} files, into Postgres, default", "<= 60 s wall",
                        f"{d[0]} s wall, {d[1]} CPU s" if d[0] else "failed", d[3] or "",
                        "yes" if d[0] and d[0] <= 60 else "no"))
        targets.append(("cafe, DirectRunner vs the default", "within 3x",
                        f"{x[0]} s wall, {x[1]} CPU s: {x[0] / d[0]:.2f}x" if x[0] and d[0] else "failed",
                        x[3] or "", "yes" if x[0] and d[0] and x[0] <= 3 * d[0] else "no"))
    if any(k.startswith("reference-") for k in batch):
        for runner, goal in (("default", 0.8), ("direct", 0.5)):
            cells, lds, ok = [], [], True
            for days in LAYOUT_DAYS:
                q = ratio_vs_ref(runner, days)
                if q is None:
                    continue
                cells.append(f"{q:.2f}x at {f.get('partitions-' + days, '?')} partitions")
                lds.append(loads(batch[f"{runner}-{days}"]))
                ok = ok and q >= goal
            targets.append((f"events {events:,}, {RUNNERS[runner]}, vs the reference",
                            f">= {goal}x", "; ".join(cells) or "failed", "; ".join(lds),
                            "yes" if cells and ok else "no"))
        for runner in ("default", "direct"):
            rates = [events / med(batch[f"{runner}-{d}"], 0) for d in LAYOUT_DAYS
                     if med(batch.get(f"{runner}-{d}", []), 0)]
            if len(rates) == len(LAYOUT_DAYS):
                spread = max(rates) / min(rates)
                cells = ", ".join(f"{r:,.0f}/s" for r in rates)
                targets.append((f"the same {events:,} events over "
                                + "/".join(f.get("partitions-" + d, "?") for d in LAYOUT_DAYS)
                                + f" partitions, {RUNNERS[runner]}", "within 1.5x",
                                f"{cells}: {spread:.2f}x", "see batch table",
                                "yes" if spread <= 1.5 else "no"))
    if bigt:
        b = bigt["default-big"][0]
        one = batch.get("default-60", [(None,) * 4])[0]
        if b[0] and one[2]:
            q = b[2] / one[2]
            targets.append((f"events {big:,}, default runner; peak RSS vs {events:,}",
                            "completes; <= 1.5x", f"{b[0]} s wall ({big / b[0]:,.0f}/s), "
                            f"{b[2]} MB vs {one[2]} MB: {q:.2f}x", b[3],
                            "yes" if q <= 1.5 else "no"))
        else:
            targets.append((f"events {big:,}, default runner", "completes", "failed", b[3], "no"))
    if files:
        for runner in ("default", "direct"):
            a = files.get(f"files4-{runner}", [(None,) * 4])[0]
            m = files.get(f"files10000-{runner}", [(None,) * 4])[0]
            if a[0] and m[0]:
                targets.append((f"{files_events:,} events in 10,000 files vs 4 files, {RUNNERS[runner]}",
                                "within 3x", f"{m[0]} s vs {a[0]} s wall: {m[0] / a[0]:.2f}x",
                                f"{m[3]}, {a[3]}", "yes" if m[0] <= 3 * a[0] else "no"))

    out = ["### Issue 15's targets", "",
           "| work | target | measured | load (1 min) at start | met |",
           "| --- | --- | --- | --- | --- |"]
    out += [f"| {w} | {t} | {m} | {l} | {y} |" for w, t, m, l, y in targets]
    out.append("")

    def table(title, rows, extra=None):
        out.extend([f"### {title}", "", "| run | wall s | CPU s | peak RSS MB | load (1 min) at start |"
                    + (f" {extra[0]} |" if extra else ""),
                    "| --- | ---: | ---: | ---: | ---: |" + (" --- |" if extra else "")])
        for name, runs in rows.items():
            for w, c, r, l in runs:
                cell = f" {extra[1](name)} |" if extra else ""
                out.append(f"| {name} | {w if w is not None else 'failed'} | {c or ''} | {r or ''} | {l} |{cell}")
        out.append("")

    if batch:
        out += [f"### Batch: {events:,} events (3% re-deliveries, 1% broken) over growing partition counts", "",
                "| run | partitions | events/s | wall s | CPU s | peak RSS MB | vs reference | load (1 min) at start | output check |",
                "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"]
        for days in LAYOUT_DAYS:
            for tool in ("reference", "default", "direct", "pandas"):
                runs = batch.get(f"{tool}-{days}")
                if not runs:
                    continue
                w = med(runs, 0)
                q = ratio_vs_ref(tool, days) if tool != "reference" else 1.0
                out.append(f"| {RUNNERS[tool]} | {f.get('partitions-' + days, '?')} |"
                           f" {events / w:,.0f} | {w:.1f} | {med(runs, 1):.1f} | {max(r[2] for r in runs if r[2]):,} |"
                           f" {f'{q:.2f}x' if q is not None else ''} | {loads(runs)} | {verify.get(f'{tool}-{days}', 'bar' if tool == 'reference' else '')} |"
                           if w else f"| {RUNNERS[tool]} | | failed | | | | | {loads(runs)} | |")
        out.append("")
    if streams:
        table("Streams (wall includes the JVM start and the 3 s quiet period that ends a drained run)",
              streams, ("ledger: read, written, duplicates, rejected; rows in Postgres",
                        lambda n: " ".join(ledgers.get(n, ["?"])) + "; " + f.get(n + "-rows", "?")))
        out += ["```"] + [f"{k} (load {v})" for k, v in f.items() if k.startswith(("sdk-", "seed-"))]
        out += [f"(the seed script ran for at most {seed_seconds} s and its rate is over that window)", "```", ""]
    if cafe:
        table("Cafe fortnight into Postgres", cafe,
              ("orders, order items", lambda n: f.get(n + "-rows", "?")))
    if bigt:
        table(f"{big:,} events, default runner", bigt,
              ("ledger", lambda n: f.get("big-ledger", "?")))
    if files:
        table(f"{files_events:,} events in 4 files and in 10,000 files", files)
    if startup:
        table(f"Start-up: bin/sluice run --help (jar {f.get('jar-mb', '?')} MB)", startup)
    print("\n".join(out))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""What a user would write instead of Sluice: the events job as a seed-001-style pandas script.

Reads JSON lines, keeps the records that parse and validate, drops duplicates by event_uuid,
hashes user_id and ip with HMAC-SHA256 under Sluice's per-field keys (so tokens are equal to
Sluice's), splits event_name, turns epoch seconds into times, and writes gzip JSON lines per
event_type=.../dt=... partition. With --dsn it also upserts the rows into Postgres through
psycopg2 (INSERT ... ON CONFLICT), as the seed script did. Bad lines go to a rejects file.

    /usr/bin/python3 bench/pandas_etl.py --input='/tmp/in/*.jsonl' --output=/tmp/out \
        --key-file=keys.json [--dsn='dbname=postgres user=postgres host=localhost port=5432']

Debian's python3-pandas and python3-psycopg2 (apt-get install -y python3-pandas python3-psycopg2).
"""
import argparse
import base64
import glob
import hashlib
import hmac
import json
import os
import sys
import time

import pandas as pd

COLUMNS = ["event_uuid", "event_name", "event_type", "event_subtype", "created_at", "user_id",
           "masked_ip", "payload"]


def field_hasher(secret, version, field):
    """Sluice's hash: HMAC-SHA256 under HMAC(secret, 'sluice/hash/<version>/<field>')."""
    key = hmac.new(secret, f"sluice/hash/{version}/{field}".encode(), hashlib.sha256).digest()

    def token(value):
        if not isinstance(value, str):
            if value is None or pd.isna(value):
                return None
            value = str(value)
        value = value.strip()
        if not value:
            return None
        digest = hmac.new(key, value.encode(), hashlib.sha256).digest()
        return version + ":" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    return token


def text(series):
    """Strings trimmed; blanks and non-strings become missing."""
    s = series.where(series.map(lambda v: isinstance(v, str)))
    s = s.str.strip()
    return s.where(s != "")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--key-file", required=True)
    ap.add_argument("--dsn")
    args = ap.parse_args()
    started = time.time()

    keys = json.load(open(args.key_file))
    secret = base64.b64decode(keys["hmac_secret"])
    version = keys["version"]

    records, rejects = [], []
    for path in sorted(glob.glob(args.input)):
        with open(path, "rb") as f:
            for n, raw in enumerate(f, 1):
                raw = raw.rstrip(b"\r\n")
                if not raw:
                    continue
                try:
                    rec = json.loads(raw.decode("utf-8"))
                    if not isinstance(rec, dict):
                        raise ValueError("not an object")
                    records.append(rec)
                except ValueError:
                    rejects.append({"origin": f"{path}:{n}", "stage": "parse",
                                    "reason": "not valid JSON"})
    read = len(records) + len(rejects)

    df = pd.DataFrame.from_records(records)
    for col in ["event_uuid", "event_name", "created_at", "user_id", "ip", "payload"]:
        if col not in df:
            df[col] = None
    df["event_uuid"] = text(df["event_uuid"])
    df["event_name"] = text(df["event_name"])
    created = pd.to_numeric(df["created_at"], errors="coerce")
    parts = df["event_name"].str.split(":", n=1, expand=True).reindex(columns=[0, 1])
    ok = (df["event_uuid"].notna() & df["event_name"].notna() & created.notna()
          & (created == created.round()) & parts[1].notna()
          & (parts[0].str.strip() != "") & (parts[1].str.strip() != ""))
    for origin in df.index[~ok]:
        rejects.append({"origin": f"record {origin}", "stage": "validate",
                        "reason": "missing or malformed field"})
    df = df[ok].copy()
    df["event_type"] = parts[0][ok]
    df["event_subtype"] = parts[1][ok]
    df["created_at"] = pd.to_datetime(created[ok].astype("int64"), unit="s", utc=True)

    before = len(df)
    df = df.drop_duplicates("event_uuid", keep="first")
    duplicates = before - len(df)

    df["user_id"] = df["user_id"].map(field_hasher(secret, version, "user_id"))
    df["masked_ip"] = df["ip"].map(field_hasher(secret, version, "ip"))
    df["dt"] = df["created_at"].dt.strftime("%Y-%m-%d")

    for (event_type, dt), part in df.groupby(["event_type", "dt"], sort=False):
        folder = os.path.join(args.output, f"event_type={event_type}", f"dt={dt}")
        os.makedirs(folder, exist_ok=True)
        part[COLUMNS].to_json(os.path.join(folder, "events-00000-of-00001.jsonl.gz"),
                              orient="records", lines=True, date_format="iso",
                              date_unit="s", compression="gzip")

    if rejects:
        folder = os.path.join(args.output, "_dead_letters")
        os.makedirs(folder, exist_ok=True)
        pd.DataFrame.from_records(rejects).to_json(os.path.join(folder, "rejects.jsonl"),
                                                   orient="records", lines=True)

    if args.dsn:
        upsert(args.dsn, df)

    print(f"events: read {read} = written {len(df)} + duplicates {duplicates} + rejected"
          f" {len(rejects)}  ({time.time() - started:.2f} s)")


def upsert(dsn, df):
    import psycopg2
    from psycopg2.extras import execute_values

    rows = [(r.event_uuid, r.event_name, r.event_type, r.event_subtype,
             r.created_at.to_pydatetime(), r.user_id, r.masked_ip,
             None if not isinstance(r.payload, dict) else json.dumps(r.payload))
            for r in df[COLUMNS].itertuples(index=False)]
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("""CREATE TABLE IF NOT EXISTS events (event_uuid text PRIMARY KEY,
            event_name text, event_type text, event_subtype text, created_at timestamptz,
            user_id text, masked_ip text, payload jsonb)""")
        execute_values(cur, """INSERT INTO events (event_uuid, event_name, event_type,
            event_subtype, created_at, user_id, masked_ip, payload) VALUES %s
            ON CONFLICT (event_uuid) DO UPDATE SET event_name = EXCLUDED.event_name,
            event_type = EXCLUDED.event_type, event_subtype = EXCLUDED.event_subtype,
            created_at = EXCLUDED.created_at, user_id = EXCLUDED.user_id,
            masked_ip = EXCLUDED.masked_ip, payload = EXCLUDED.payload""", rows, page_size=1000)


if __name__ == "__main__":
    sys.exit(main())

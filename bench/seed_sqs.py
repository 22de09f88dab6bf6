#!/usr/bin/python3
"""The seed system's SQS consumer, as a typical script: the bar Sluice's SQS path is set against.

Receives 10 messages at a time from one queue, parses each as JSON, hashes user_id and ip with
HMAC-SHA256 under Sluice's per-field keys (the same tokens as Sluice), inserts each row into its
own Postgres table (INSERT ... ON CONFLICT DO NOTHING, one commit per batch of 10) and then
deletes the batch from the queue (never before the commit). Messages that do not parse or lack
an event_uuid are counted and deleted. One process, one thread, as the seed script ran.

It stops after --seconds (a fixed time window: at ~100 messages a second a whole 100k queue
would take a quarter of an hour) or when the queue stays empty, and prints its rate:

    /usr/bin/python3 bench/seed_sqs.py --queue=NAME --dsn='host=... port=... user=postgres' \
        --key-file=keys.json --seconds=60

The queue's endpoint comes from AWS_ENDPOINT_URL_SQS (as bin/sluice sandbox writes it; this
boto3 may be older than its support for that variable, so it is passed explicitly).
Debian's python3-boto3 and python3-psycopg2.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import time

import boto3
import psycopg2
from psycopg2.extras import Json


def field_hasher(secret, version, field):
    """Sluice's hash: HMAC-SHA256 under HMAC(secret, 'sluice/hash/<version>/<field>')."""
    key = hmac.new(secret, f"sluice/hash/{version}/{field}".encode(), hashlib.sha256).digest()

    def token(value):
        if value is None:
            return None
        value = str(value).strip()
        if not value:
            return None
        digest = hmac.new(key, value.encode(), hashlib.sha256).digest()
        return version + ":" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    return token


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--queue", required=True)
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--key-file", required=True)
    ap.add_argument("--seconds", type=float, default=60)
    args = ap.parse_args()

    keys = json.load(open(args.key_file))
    secret = base64.b64decode(keys["hmac_secret"])
    user_id = field_hasher(secret, keys["version"], "user_id")
    ip = field_hasher(secret, keys["version"], "ip")

    sqs = boto3.client("sqs", endpoint_url=os.environ["AWS_ENDPOINT_URL_SQS"],
                       region_name=os.environ.get("AWS_REGION", "us-east-1"))
    url = sqs.get_queue_url(QueueName=args.queue)["QueueUrl"]
    db = psycopg2.connect(args.dsn)
    with db, db.cursor() as cur:
        cur.execute("""CREATE TABLE IF NOT EXISTS seed_events (
            event_uuid text PRIMARY KEY, event_type text, event_subtype text,
            created_at timestamptz, user_id text, masked_ip text, payload jsonb)""")

    started = time.time()
    stored = bad = empty = 0
    received = 0
    while time.time() - started < args.seconds and empty < 3:
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                   WaitTimeSeconds=1).get("Messages", [])
        if not msgs:
            empty += 1
            continue
        empty = 0
        received += len(msgs)
        with db, db.cursor() as cur:
            for m in msgs:
                try:
                    rec = json.loads(m["Body"])
                    event_type, event_subtype = rec["event_name"].split(":", 1)
                    row = (rec["event_uuid"], event_type, event_subtype,
                           float(rec["created_at"]), user_id(rec.get("user_id")),
                           ip(rec.get("ip")), Json(rec.get("payload")))
                except (ValueError, KeyError, TypeError, AttributeError):
                    bad += 1
                    continue
                cur.execute("""INSERT INTO seed_events VALUES
                    (%s, %s, %s, to_timestamp(%s), %s, %s, %s)
                    ON CONFLICT (event_uuid) DO NOTHING""", row)
                stored += 1
        sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)])
    secs = time.time() - started
    stopped = "time window" if secs >= args.seconds else "queue empty"
    print(f"seed script: {received} received ({stored} stored, {bad} bad) in {secs:.1f} s,"
          f" {received / secs:.0f} records/s (stopped: {stopped})")


if __name__ == "__main__":
    main()

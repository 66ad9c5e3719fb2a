"""Times Dintero's official Python SDK (`pip install dintero`) against a dintero-sandbox.

Run by `kasse-bench client` with the venv that `cargo xtask bench` creates (target/bench/venv).
The SDK takes `api_url` and `checkout_url` as constructor arguments, so it is pointed at the
sandbox without patching. Prints one JSON object: per-call latencies in microseconds.
"""

import argparse
import json
import platform
import time

import dintero
from dintero.version import VERSION


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--base", required=True)
    p.add_argument("--body", required=True, help="the session request (JSON file)")
    p.add_argument("--tid", required=True, help="a transaction to read")
    p.add_argument("--n", type=int, default=100)
    args = p.parse_args()
    with open(args.body) as f:
        session = json.load(f)

    sdk = dintero.Dintero(
        "T12345678",
        "kasse-demo",
        "kasse-demo-secret",
        application_name="kasse-bench",
        application_version="0.1.0",
        api_url=args.base,
        checkout_url=args.base,
    )
    checkout = sdk.checkout()
    # Warm-up: token, imports, first connection.
    checkout.create_session(session)
    checkout.get_transaction(args.tid)

    create, get = [], []
    for _ in range(args.n):
        t = time.perf_counter_ns()
        created = checkout.create_session(session)
        create.append((time.perf_counter_ns() - t) / 1000.0)
        assert created["id"]
        t = time.perf_counter_ns()
        tx = checkout.get_transaction(args.tid)
        get.append((time.perf_counter_ns() - t) / 1000.0)
        assert tx["id"] == args.tid
    print(
        json.dumps(
            {
                "create_session_us": create,
                "get_transaction_us": get,
                "sdk_version": VERSION,
                "python": platform.python_version(),
            }
        )
    )


if __name__ == "__main__":
    main()

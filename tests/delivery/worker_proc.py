"""A sender in its own process, for the multi-process and kill tests:

    python -m tests.delivery.worker_proc DATABASE_URL SMTP_PORT WORKER_NAME DATA_DIR [BATCH [DOMAIN_RATE_PER_MINUTE]]
"""

from __future__ import annotations

import sys

from relay.db import make_engine
from relay.delivery.worker import send_all
from relay.settings import load_settings


def main(argv: list[str]) -> None:
    url, port, name, data_dir = argv[:4]
    batch = int(argv[4]) if len(argv) > 4 else 20
    rate = int(argv[5]) if len(argv) > 5 else 10_000
    settings = load_settings(database_url=url, data_dir=data_dir, secret_key="test-signing-key-not-secret",
                             scheduler=False, smtp={"host": "127.0.0.1", "port": int(port), "concurrency": 4,
                                                    "domain_rate_per_minute": rate})
    engine = make_engine(url)
    report = send_all(engine=engine, settings=settings, worker=name, batch=batch)
    print(report, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])

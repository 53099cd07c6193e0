"""A typical digest must not look like spam: SpamAssassin's local rules score it below 1.0.

Runs `spamassassin -t -L` (test mode, local tests only: no DNS or network checks) where the
binary is installed, and skips with the reason elsewhere. Bayes is off and HOME points at a
temporary folder, so the score never depends on, or writes to, a learned database.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from relay.settings import load_settings
from tests.mail import samples
from tests.mail.conftest import build

SPAMASSASSIN = shutil.which("spamassassin")
THRESHOLD = 1.0


def score(raw: bytes, home) -> tuple[float, str]:
    result = subprocess.run(
        [SPAMASSASSIN, "-t", "-L", "--cf=use_bayes 0", "--cf=bayes_auto_learn 0"],
        input=raw, capture_output=True, timeout=120, check=False, env={**os.environ, "HOME": str(home)},
    )
    report = result.stdout.decode("utf-8", "replace")
    found = re.search(r"^X-Spam-Status: \w+, score=(-?[\d.]+)", report, re.M)
    assert found, report[-2000:] + result.stderr.decode("utf-8", "replace")[-2000:]
    return float(found.group(1)), report


@pytest.mark.slow
@pytest.mark.skipif(SPAMASSASSIN is None, reason="the spamassassin binary is not installed")
@pytest.mark.parametrize("language", ["nn", "nb"])
def test_a_typical_digest_scores_below_one(tmp_path, language):
    # Production-like addresses: a real-looking domain, not .test, so no rule is flattered by it.
    settings = load_settings(
        data_dir=tmp_path, base_url="https://relay.statsforvalteren.no", secret_key="spam-test-key",
        mail={"from_address": "relay@statsforvalteren.no", "from_name": "Statsforvaltaren i Vestland",
              "reply_to": "sfvlpost@statsforvalteren.no"},
    )
    context = samples.digest(settings, language)
    assert sum(len(s.alerts) for s in context.sections) == 3 and len(context.sections) == 2
    composed = build("digest", settings, language, context=context, to="postmottak@voss.kommune.no")

    points, report = score(composed.message.as_bytes(), tmp_path)

    print(f"SpamAssassin score for the {language} digest: {points}")
    assert points < THRESHOLD, report[report.find("Content analysis"):]

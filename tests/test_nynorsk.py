"""Apertium through relay.nynorsk: several fields in one run, paragraphs and final punctuation kept."""

from __future__ import annotations

import subprocess

import pytest

from relay import nynorsk

pytestmark = pytest.mark.skipif(not nynorsk.available(), reason="Apertium (apertium-nno-nob) is not installed")


def test_several_fields_go_through_one_run_and_come_back_in_place(monkeypatch):
    runs = []
    real_run = subprocess.run
    monkeypatch.setattr(nynorsk.subprocess, "run", lambda *a, **k: runs.append(a) or real_run(*a, **k))
    texts = ["Samvær etter omsorgsovertakelse", "", "Første avsnitt.\n\nAndre avsnitt gjelder ikke dette.",
             "Hva betyr dette for kommunen?"]
    drafted = nynorsk.draft_many(texts)
    assert len(runs) == 1
    assert drafted[0] == "Samvær etter omsorgsovertaking" and drafted[1] == ""
    assert drafted[2] == "Første avsnitt.\n\nAndre avsnitt gjeld ikkje dette."
    assert drafted[3].startswith("Kva") and drafted[3].endswith("?")


def test_bokmal_from_nynorsk_keeps_the_last_full_stop():
    assert nynorsk.draft_many(["Dommen gjeld ikkje berre barnevernet."], mode=nynorsk.TO_BOKMAL) == [
        "Dommen gjelder ikke bare barnevernet."]

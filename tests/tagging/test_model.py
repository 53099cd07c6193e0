"""The model file and its scorer: the arithmetic is scikit-learn's, loading refuses damaged files by name."""

from __future__ import annotations

import gzip
import json
import logging

import pytest

from relay.tagging import model as sector_model
from relay.tagging.features import analyse, words
from relay.tagging.model import ModelFileError, get_model, load, save
from relay.tagging.train import Labelled, fit
from tests.tagging.model_support import flood_model

ROWS = [
    ("The river flooded the village after heavy rain", {"planning-environment": True}),
    ("Floods and landslides threaten homes by the river", {"planning-environment": True}),
    ("Climate adaptation plans against flooding", {"planning-environment": True}),
    ("Flood protection along the river banks", {"planning-environment": True}),
    ("The pupils at the school had no teacher", {"planning-environment": False}),
    ("The school refused the pupil a place", {"planning-environment": False}),
    ("A teacher at the school was dismissed", {"planning-environment": False}),
    ("The pupils asked the school for help", {"planning-environment": False}),
]


def _rows():
    return [Labelled(f"r{n}", {"title": "", "text": text}, known) for n, (text, known) in enumerate(ROWS)]


def test_the_scorer_gives_scikit_learns_probabilities():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    rows = _rows()
    model = fit(rows, c=16.0)
    docs = [analyse(r.item["text"]) for r in rows]
    vectoriser = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True, min_df=2)
    matrix = vectoriser.fit_transform(docs)
    reference = LogisticRegression(C=16.0, class_weight="balanced", solver="liblinear", max_iter=1000,
                                   random_state=0).fit(matrix, [r.known["planning-environment"] for r in rows])
    unseen = "Heavy floods along the river; the school was closed"
    expected = reference.predict_proba(vectoriser.transform([analyse(unseen)]))[0][1]
    got = {s.sector: s.probability for s in model.scores({"text": unseen})}["planning-environment"]
    assert got == pytest.approx(expected, abs=2e-3)  # weights are stored to four decimals
    assert got > 0.5 > {s.sector: s.probability for s in model.scores({"text": "The pupils"})}["planning-environment"]


def test_evidence_is_the_words_that_raised_the_score_at_their_positions():
    model = flood_model()
    text = "After the FLOODS the river stayed high."
    found = model.explain({"title": "", "text": text}, "planning-environment")
    assert [w[3] for w in found][:2] == ["FLOODS", "river"]
    for field, start, end, word, share in found:
        assert field == "text" and text[start:end] == word and share > 0


def test_word_positions_hold_in_the_original_text_when_lower_casing_changes_its_length():
    text = "İstanbul: omsorgsovertakinga i kommunen"  # "İ".lower() is two characters
    found = words(text)
    assert [(text[s:e]) for _, s, e in found] == ["İstanbul", "omsorgsovertakinga", "kommunen"]  # "i" too short
    assert [w for w, _, _ in found][1:] == ["omsorgsovertakinga", "kommunen"]


def test_state_names_are_no_evidence():
    # In the UPR sets "Norway" co-occurs with Sami recommendations; every item Relay shows concerns Norway.
    assert analyse("Norway Noreg Sweden") == []
    assert [w for w, _, _ in words("Sami in Norway")] == ["sami", "in"]


def test_compounds_share_word_pieces_across_languages():
    pieces = {f for f in analyse("barnevernsinstitusjonen") if f.startswith("c ")}
    assert {"c inst", "c stit", "c tusj"} <= pieces
    assert pieces & {f for f in analyse("institution") if f.startswith("c ")} >= {"c inst", "c stit"}


def test_a_saved_model_reads_back_identically_and_the_bytes_do_not_depend_on_the_time(tmp_path):
    model = flood_model(floor=0.4)
    save(model, tmp_path / "a.json.gz")
    save(load(tmp_path / "a.json.gz"), tmp_path / "b.json.gz")
    assert (tmp_path / "a.json.gz").read_bytes() == (tmp_path / "b.json.gz").read_bytes()
    again = load(tmp_path / "a.json.gz")
    assert again.floor == 0.4 and again.thresholds == model.thresholds
    assert again.probabilities({"text": "flood"}).tolist() == model.probabilities({"text": "flood"}).tolist()


@pytest.mark.parametrize(("body", "reason"), [
    (b"not gzip at all", "cannot read the model file"),
    (gzip.compress(b"{not json"), "cannot read the model file"),
    (gzip.compress(json.dumps({"format": "something-else"}).encode()), "not a Relay sector model"),
    (gzip.compress(json.dumps({"format": "relay-sector-model", "version": 99}).encode()), "retrain"),
    (gzip.compress(json.dumps({"format": "relay-sector-model", "version": 1, "classes": ["a"]}).encode()),
     "damaged"),
    (gzip.compress(json.dumps({"format": "relay-sector-model", "version": 1, "classes": ["a"], "intercepts": [0],
                               "features": {"w x": [1.0, {"5": 1.0}]}, "thresholds": {}}).encode()), "damaged"),
    (gzip.compress(json.dumps({"format": "relay-sector-model", "version": 1, "classes": [], "intercepts": [],
                               "features": {}, "thresholds": {}, "settings": {"features_version": 1}}).encode()),
     "features version 1, this Relay computes version 2"),
])
def test_a_bad_model_file_is_refused_with_the_reason(tmp_path, body, reason):
    path = tmp_path / "m.json.gz"
    path.write_bytes(body)
    with pytest.raises(ModelFileError, match=reason):
        load(path)


def test_without_a_readable_model_the_service_tags_with_the_rules_and_says_so(tmp_path, caplog):
    sector_model._notice_absent.cache_clear()
    with caplog.at_level(logging.WARNING, logger="relay.tagging.model"):
        assert get_model(tmp_path / "absent.json.gz") is None
        (tmp_path / "broken.json.gz").write_bytes(b"broken")
        assert get_model(tmp_path / "broken.json.gz") is None
    messages = " | ".join(r.getMessage() for r in caplog.records)
    assert "no sector model at" in messages and "rules only" in messages
    assert "sector model not used" in messages


def test_the_shipped_model_loads_and_records_what_it_was_trained_on():
    model = get_model("config/sector-model.json.gz")
    assert model is not None
    trained = model.info["trained_on"]
    assert trained["splits"] == "tune" and trained["items"] > 1000 and len(trained["sha256"]) == 64
    assert set(model.thresholds) == set(model.classes)
    assert model.info["figures"]["tune_oof_micro_f1_combined"] > model.info["figures"]["tune_oof_micro_f1_rules"]

"""`relay tag train` on a tune split: a versioned file with its data's hash and figures, and `relay tag eval`
comparing the three taggers with intervals, exact-set match, no-sector shares and "too few to judge"."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from relay.cli.tag import tag
from relay.tagging.datasets import load
from relay.tagging.evaluate import Report, bootstrap, score
from relay.tagging.model import load as load_model
from relay.tagging.sectors import get_ruleset
from relay.tagging.train import data_hash, known_labels, labelled, vocabulary_rows
from tests.tagging.test_evaluate import _ex, _pred


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "norway.json.gz"
    result = CliRunner().invoke(tag, ["train", "norway", "--out", str(path)])
    assert result.exit_code == 0, result.output
    return path, result.output


def test_train_writes_a_versioned_model_with_its_data_hash_and_figures(trained):
    path, output = trained
    model = load_model(path)
    trained_on = model.info["trained_on"]
    assert trained_on["datasets"] == ["norway"] and trained_on["splits"] == "tune"
    assert trained_on["items"] == len(load("norway", split="tune"))
    assert trained_on["sha256"] == data_hash(labelled(["norway"]) + vocabulary_rows(get_ruleset()))
    assert trained_on["vocabulary_terms"] > 300
    assert {"tune_oof_micro_f1_rules", "tune_oof_micro_f1_model", "tune_oof_micro_f1_combined"} <= set(
        model.info["figures"])
    assert all(0.2 <= t <= 0.99 for t in model.thresholds.values())
    assert "sha256" in output and str(path) in output


def test_training_twice_gives_the_same_file(trained, tmp_path):
    path, _ = trained
    again = tmp_path / "again.json.gz"
    assert CliRunner().invoke(tag, ["train", "norway", "--out", str(again)]).exit_code == 0
    assert again.read_bytes() == path.read_bytes()


def test_eval_reports_rules_model_and_combined(trained):
    path, _ = trained
    result = CliRunner().invoke(tag, ["eval", "norway", "--split", "tune", "--model", str(path), "--misses", "1"])
    assert result.exit_code == 0, result.output
    out = result.output
    for mode in ("rules: norway", "model: norway", "combined: norway"):
        assert mode in out
    assert out.count("exact-set match") == 3 and out.count("no sector (gold has one)") == 3
    assert "too few to judge" in out and "95% interval" in out
    norwegian = CliRunner().invoke(tag, ["eval", "norway", "--split", "tune", "--model", str(path), "--mode", "rules",
                                         "--language", "nb", "--language", "nn", "--misses", "0"])
    assert "language nb/nn" in norwegian.output and "31 items" in norwegian.output


def test_train_refuses_without_data_and_eval_a_model_mode_without_a_model(tmp_path):
    assert CliRunner().invoke(tag, ["train"]).exit_code == 2
    missing = tmp_path / "absent.json.gz"
    result = CliRunner().invoke(tag, ["eval", "norway", "--model", str(missing)])
    assert result.exit_code == 2 and "cannot read the model file" in result.output


def test_upr_labels_that_do_not_say_which_sector_teach_neither():
    child = _ex("a", {"child-welfare", "education"})  # "Rights of the Child"
    known = known_labels(child, upr=True)
    assert "child-welfare" not in known and "education" not in known and "elderly-care" not in known
    assert known["housing"] is False
    school = known_labels(_ex("b", {"education"}), upr=True)  # "Right to education"
    assert school["education"] is True and school["child-welfare"] is False


def test_exact_match_no_sector_shares_and_bootstrap_intervals():
    pairs = [(_ex("a", {"housing"}), _pred("housing")), (_ex("b", {"housing"}), _pred()),
             (_ex("c", set()), _pred()), (_ex("d", {"education"}), _pred("education", "housing"))]
    report: Report = score(pairs)
    assert report.exact_match == 0.5
    assert report.macro_f1_judged is None  # no class has ten gold items: nothing to judge
    assert report.no_sector == 0.5 and report.no_sector_relevant == pytest.approx(1 / 3)
    intervals = bootstrap(report, rounds=200)
    for key in ("housing", "education", "micro", "macro"):
        low, high = intervals[key]
        assert 0.0 <= low <= high <= 1.0
    assert intervals["micro"][0] <= report.micro.f1 <= intervals["micro"][1]
    assert bootstrap(report, rounds=200) == intervals  # seeded: the same data prints the same interval


def test_without_a_model_file_eval_measures_the_rules_and_says_why(tmp_path, monkeypatch):
    from relay.settings import get_settings
    from relay.tagging import model as sector_model

    monkeypatch.setenv("RELAY_SECTOR_MODEL_FILE", str(tmp_path / "absent.json.gz"))
    get_settings.cache_clear()
    sector_model._cached.cache_clear()
    try:
        result = CliRunner().invoke(tag, ["eval", "norway", "--split", "tune", "--misses", "0"])
        assert result.exit_code == 0, result.output
        assert "no sector model: the rules alone are measured" in result.output
        assert "rules: norway" in result.output and "combined: norway" not in result.output
        assert CliRunner().invoke(tag, ["eval", "norway", "--mode", "model"]).exit_code == 2
    finally:
        get_settings.cache_clear()

"""Metrics on a tiny hand-made dataset, checked against numbers worked out by hand."""

from __future__ import annotations

import pytest

from relay.tagging.datasets import UPR_CLASSES, Example, load, split_of
from relay.tagging.engine import TagDecision
from relay.tagging.evaluate import evaluate, format_report, score


def _ex(ident, gold):
    return Example(ident, {"title": "", "text": ident}, frozenset(gold))


def _pred(*sectors):
    return [TagDecision(s, 1.0, ()) for s in sectors]


def test_it_computes_per_class_micro_and_macro_exactly():
    pairs = [
        (_ex("a", {"housing"}), _pred("housing")),                      # housing tp
        (_ex("b", {"housing", "education"}), _pred("housing")),         # housing tp, education fn
        (_ex("c", set()), _pred("education")),                          # education fp
        (_ex("d", {"education"}), _pred("education", "privacy")),       # education tp, privacy fp
    ]
    report = score(pairs)
    housing, education, privacy = (report.classes[s] for s in ("housing", "education", "privacy"))
    assert (housing.tp, housing.fp, housing.fn) == (2, 0, 0) and housing.f1 == 1.0
    assert (education.tp, education.fp, education.fn) == (1, 1, 1)
    assert education.precision == 0.5 and education.recall == 0.5 and education.f1 == 0.5
    assert (privacy.tp, privacy.fp, privacy.fn) == (0, 1, 0) and privacy.f1 == 0.0
    micro = report.micro
    assert (micro.tp, micro.fp, micro.fn) == (3, 2, 1)
    assert micro.precision == pytest.approx(0.6) and micro.recall == pytest.approx(0.75)
    assert micro.f1 == pytest.approx(2 * 0.6 * 0.75 / 1.35)
    assert report.macro_f1 == pytest.approx((1.0 + 0.5 + 0.0) / 3)
    assert [m.id for m in report.misses] == ["b", "c", "d"]


def test_upr_merging_folds_child_welfare_and_education_into_one_class():
    report = score([(_ex("a", {"child-welfare"}), _pred("education"))],
                   merge={"child-welfare": "children", "education": "children"})
    assert (report.classes["children"].tp, report.micro.fp, report.micro.fn) == (1, 0, 0)


def test_the_split_is_deterministic_and_near_60_40():
    ids = [f"x{n}" for n in range(2000)]
    assert [split_of(i) for i in ids] == [split_of(i) for i in ids]
    assert 0.55 < sum(split_of(i) == "tune" for i in ids) / len(ids) < 0.65


def test_the_norway_set_has_at_least_150_labelled_items_from_every_source():
    examples = load("norway", split="all")
    assert len(examples) >= 150
    assert {e.source for e in examples} >= {"hudoc_echr", "coe_monitoring", "uhri", "undl", "news_no", "news_sv"}
    assert any(not e.gold for e in examples)  # negatives: items with no municipal sector


def test_the_cli_prints_per_sector_figures_for_the_norway_set():
    from click.testing import CliRunner

    from relay.cli.tag import tag

    result = CliRunner().invoke(tag, ["eval", "norway", "--split", "test", "--misses", "2"])
    assert result.exit_code == 0, result.output
    assert "micro" in result.output and "macro" in result.output and "child-welfare" in result.output


def test_a_class_no_label_can_express_is_listed_apart_and_not_counted():
    pairs = [
        (_ex("a", {"housing"}), _pred("housing", "elderly-care")),   # housing tp; elderly-care unmeasurable
        (_ex("b", set()), _pred("privacy")),                         # privacy unmeasurable, not an fp
        (_ex("c", {"housing"}), _pred()),                             # housing fn
    ]
    report = score(pairs, measurable=frozenset({"housing", "education"}))
    assert report.unmeasured == {"elderly-care": 1, "privacy": 1}
    assert "elderly-care" not in report.classes and "privacy" not in report.classes
    assert (report.micro.tp, report.micro.fp, report.micro.fn) == (1, 0, 1)
    assert report.macro_f1 == pytest.approx(2 / 3)  # housing only: P 1.0, R 0.5
    assert [m.id for m in report.misses] == ["c"]  # "a" and "b" are right on everything measurable


def test_the_upr_mapping_cannot_label_elderly_care_or_privacy():
    assert "elderly-care" not in UPR_CLASSES and "privacy" not in UPR_CLASSES
    assert {"children", "groups", "housing", "social-services", "planning-environment"} <= UPR_CLASSES


def test_an_upr_evaluation_reports_an_elderly_care_tag_as_not_measurable():
    item = {"title": "", "text": "Improve the quality of care in nursing homes for older persons", "kind": "recommendation",
            "body": "UPR", "states": "NOR", "language": "en", "meta": {}, "key_case": False}
    report = evaluate([Example("upr:x", item, frozenset())], upr=True)
    assert report.unmeasured == {"elderly-care": 1}
    assert report.micro.fp == 0 and not report.misses
    assert "not measurable on this dataset" in format_report(report, title="t")
    norway = evaluate([Example("n:x", item, frozenset())])  # the Norwegian set labels every sector
    assert norway.classes["elderly-care"].fp == 1 and not norway.unmeasured

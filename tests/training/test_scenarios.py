"""Scenario files: validated against the schema, refused with the line and the reason; a full play-through
records the score; Spanish users read Spanish text."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from reparo.training import services
from reparo.training.models import ScenarioAttempt
from reparo.training.scenarios import SCENARIO_DIR, ScenarioError, library, parse, scenario_get
from tests.conftest import CsrfClient, sign_in

GOOD = """\
id: tiny
version: 1
title: {en: "Tiny", es: "Pequeño"}
summary: {en: "A tiny scenario", es: "Un escenario pequeño"}
competencies: [mediation]
pass_mark: 60
start: a
nodes:
  a:
    situation: {en: "Start", es: "Inicio"}
    choices:
      - id: good
        text: {en: "Good", es: "Bien"}
        feedback: {en: "Well done", es: "Muy bien"}
        scores: {mediation: 2}
        next: end
      - id: poor
        text: {en: "Poor", es: "Mal"}
        feedback: {en: "Not quite", es: "No del todo"}
        scores: {mediation: 0}
        next: end
  end:
    situation: {en: "The end", es: "El fin"}
"""


def test_it_accepts_a_valid_file():
    scenario = parse(GOOD, "tiny.yaml")
    assert scenario.id == "tiny" and scenario.node("a").best == 2


@pytest.mark.parametrize(
    ("broken", "line", "reason"),
    [
        # A choice's text without its Spanish version (line 13 holds that text).
        (GOOD.replace('text: {en: "Good", es: "Bien"}', 'text: {en: "Good"}'), 13, "'es' is a required property"),
        # A score that is not a number.
        (GOOD.replace("scores: {mediation: 0}", "scores: {mediation: lots}"), 20, "'lots' is not of type 'integer'"),
        # A choice leading nowhere.
        (
            GOOD.replace("next: end\n      - id: poor", "next: nowhere\n      - id: poor"),
            16,
            "there is no node called 'nowhere'",
        ),
        # A score for a competency the scenario does not declare.
        (
            GOOD.replace("scores: {mediation: 2}", "scores: {mediation: 2, cooking: 1}"),
            15,
            "'cooking' is not one of this scenario's competencies",
        ),
        # Not YAML at all: an unclosed bracket on line 10, found on line 11.
        (GOOD.replace("  a:\n", "  a: [\n"), 11, "not valid YAML"),
        # A pass mark out of range, at the top level.
        (GOOD.replace("pass_mark: 60", "pass_mark: 160"), 6, "160 is greater than the maximum of 100"),
    ],
    ids=["missing-spanish", "bad-score", "bad-next", "unknown-competency", "not-yaml", "pass-mark"],
)
def test_it_refuses_a_broken_file_with_the_line_and_the_reason(broken, line, reason):
    with pytest.raises(ScenarioError) as exc:
        parse(broken, "broken.yaml")
    assert exc.value.line == line, str(exc.value)
    assert reason in exc.value.reason
    assert str(exc.value).startswith(f"broken.yaml, line {line}:")


def test_a_broken_file_in_the_folder_is_listed_and_not_used(tmp_path):
    (tmp_path / "tiny.yaml").write_text(GOOD)
    (tmp_path / "broken.yaml").write_text(GOOD.replace("id: tiny", "id: broken").replace("pass_mark: 60\n", ""))
    lib = library(tmp_path)
    assert list(lib.scenarios) == ["tiny"]
    assert [(e.filename, e.line) for e in lib.broken] == [("broken.yaml", 1)]
    assert "'pass_mark' is a required property" in lib.broken[0].reason


def test_the_shipped_scenarios_are_valid_and_bilingual():
    lib = library(SCENARIO_DIR)
    assert not lib.broken
    assert set(lib.scenarios) >= {"pressured-to-forgive", "minimising-responsible-person", "interpreter-new-disclosure"}
    scenario = lib.scenarios["pressured-to-forgive"]
    with translation.override("es"):
        assert scenario.title == "Una sobreviviente que se siente presionada a perdonar"
    with translation.override("en"):
        assert scenario.title == "A survivor who feels pressured to forgive"


def _best_path(scenario):
    node, path = scenario.node(scenario.start), []
    while node and not node.is_end:
        best = max(node.choices, key=lambda c: c.total)
        path.append(best.id)
        node = scenario.node(best.next) if best.next else None
    return path


@pytest.mark.django_db
def test_a_full_play_through_records_the_score(world):
    user = world["facilitator"]
    attempt = services.attempt_start(actor=user, organisation=world.alice_org, scenario_id="pressured-to-forgive")
    scenario = scenario_get("pressured-to-forgive")
    for choice in _best_path(scenario):
        attempt = services.attempt_choose(actor=user, attempt=attempt, choice_id=choice)
    attempt.refresh_from_db()
    assert attempt.finished_at and attempt.percent == 100 and attempt.passed
    assert attempt.scores == {"trauma_informed": 6, "mediation": 5, "cultural": 4, "safeguarding": 5}
    assert [s["choice"] for s in attempt.steps] == ["no-obligation", "options"]


@pytest.mark.django_db
def test_a_poor_play_through_is_recorded_as_not_passed(world):
    user = world["facilitator"]
    attempt = services.attempt_start(actor=user, organisation=world.alice_org, scenario_id="pressured-to-forgive")
    for choice in ["reassure-forgive", "schedule"]:
        attempt = services.attempt_choose(actor=user, attempt=attempt, choice_id=choice)
    assert attempt.finished_at and attempt.passed is False
    assert attempt.earned == 1 and attempt.possible == 9 + 8 and attempt.percent == 6
    with pytest.raises(Exception, match="finished"):
        services.attempt_choose(actor=user, attempt=attempt, choice_id="schedule")


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True], ids=["no-js", "htmx"])
def test_the_player_plays_to_the_end_through_the_pages(world, htmx):
    client = sign_in(CsrfClient(), world["facilitator"])
    response = client.post_form(reverse("training:attempt_start", args=["minimising-responsible-person"]))
    attempt = ScenarioAttempt.objects.get(user=world["facilitator"])
    assert response.status_code == 302 and response["Location"] == reverse("training:attempt", args=[attempt.pk])
    page = client.get(response["Location"]).content.decode()
    assert "I gave her a job and a bed" in page
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    for choice in _best_path(scenario_get("minimising-responsible-person")):
        response = client.post_form(reverse("training:attempt", args=[attempt.pk]), {"choice": choice}, **headers)
        assert response.status_code == (200 if htmx else 302)
    html = (response if htmx else client.get(reverse("training:attempt", args=[attempt.pk]))).content.decode()
    assert "Score: 100%" in html and "Passed" in html
    if htmx:
        assert "<html" not in html
    attempt.refresh_from_db()
    assert attempt.passed and attempt.percent == 100


@pytest.mark.django_db
def test_a_spanish_user_reads_the_scenario_in_spanish(world):
    client = sign_in(CsrfClient(), world["facilitator"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    client.post_form(reverse("training:attempt_start", args=["interpreter-new-disclosure"]))
    attempt = ScenarioAttempt.objects.get(user=world["facilitator"])
    page = client.get(reverse("training:attempt", args=[attempt.pk])).content.decode()
    assert "Se reúne con Amara" in page


@pytest.mark.django_db
def test_the_partner_can_play_and_others_cannot(world):
    attempt = services.attempt_start(
        actor=world["facilitator"],
        organisation=world.alice_org,
        scenario_id="pressured-to-forgive",
        partner=world["supervisor"],
    )
    partner = sign_in(CsrfClient(), world["supervisor"])
    url = reverse("training:attempt", args=[attempt.pk])
    assert partner.post_form(url, {"choice": "no-obligation"}).status_code == 302
    assert sign_in(CsrfClient(), world.charlie).get(url).status_code == 404
    assert sign_in(CsrfClient(), world["case_worker"]).get(url).status_code == 404


@pytest.mark.parametrize(
    ("broken", "line", "reason"),
    [
        # A key given twice: YAML would silently keep the second.
        (GOOD.replace("pass_mark: 60\n", "pass_mark: 60\npass_mark: 1\n"), 7, "duplicate key 'pass_mark'"),
        # A node from which no ending can be reached: the player would be stuck going round.
        (
            GOOD.replace("next: end\n      - id: poor", "next: a\n      - id: poor").replace(
                "scores: {mediation: 0}\n        next: end", "scores: {mediation: 0}\n        next: a"
            ),
            10,
            "nodes/a: no ending can be reached",
        ),
        # A character YAML cannot read at all (the reader gives no line: line 1).
        (GOOD.replace("Tiny", "Ti\x07ny", 1), 1, "not valid YAML"),
    ],
    ids=["duplicate-key", "no-reachable-ending", "unreadable-character"],
)
def test_it_refuses_what_yaml_or_the_graph_would_get_wrong(broken, line, reason):
    with pytest.raises(ScenarioError) as exc:
        parse(broken, "broken.yaml")
    assert exc.value.line == line, str(exc.value)
    assert reason in exc.value.reason


def test_a_file_that_is_not_yaml_or_not_utf8_does_not_break_the_others(tmp_path):
    (tmp_path / "tiny.yaml").write_text(GOOD)
    (tmp_path / "latin.yaml").write_bytes(GOOD.replace("id: tiny", "id: latin").encode("latin-1"))
    (tmp_path / "odd.yaml").write_text(GOOD.replace("id: tiny", "id: odd").replace("Tiny", "Ti\x07ny", 1))
    lib = library(tmp_path)
    assert list(lib.scenarios) == ["tiny"]
    assert sorted((e.filename, e.line) for e in lib.broken) == [("latin.yaml", 1), ("odd.yaml", 1)]


def test_a_refusal_reason_reads_in_spanish(tmp_path):
    with pytest.raises(ScenarioError) as exc:
        parse(GOOD.replace("next: end\n      - id: poor", "next: nowhere\n      - id: poor"), "broken.yaml")
    with translation.override("es"):
        assert "no hay ningún nodo llamado 'nowhere'" in exc.value.reason


@pytest.mark.django_db
def test_the_scenarios_page_gives_each_scenarios_form_its_own_fields(world):
    from tests.conftest import duplicate_ids

    client = sign_in(CsrfClient(), world["facilitator"])
    html = client.get(reverse("training:scenarios")).content.decode()
    assert duplicate_ids(html) == []
    assert "(optional) <span" not in html and "(optional) (optional)" not in html
    assert '<label for="id_pressured-to-forgive-partner">Practise with <span class="optional">' in html
    # The partner chosen on one scenario's form starts that scenario with them.
    client.post_form(
        reverse("training:attempt_start", args=["pressured-to-forgive"]),
        {"pressured-to-forgive-partner": str(world["supervisor"].pk)},
    )
    assert ScenarioAttempt.objects.get(user=world["facilitator"]).partner == world["supervisor"]

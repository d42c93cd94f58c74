"""get_<field>_display() gives Django's answer for every choice of every model, in English and Spanish, while
translating only the label it returns."""

import pytest
from django.apps import apps
from django.db import models
from django.utils import translation

from reparo.core.models import ChoiceLabelsModel


def _choice_fields():
    for config in apps.get_app_configs():
        if not config.name.startswith("reparo."):
            continue
        for model in config.get_models():
            for field in model._meta.concrete_fields:
                if field.choices and field.flatchoices is not None and issubclass(model, ChoiceLabelsModel):
                    yield model, field


CHOICE_FIELDS = list(_choice_fields())


def test_every_reparo_model_with_choices_uses_it():
    assert len(CHOICE_FIELDS) > 30
    assert {m.__name__ for m, _f in CHOICE_FIELDS} >= {"Case", "CaseParticipant", "Note", "Need", "Process"}


@pytest.mark.parametrize("language", ["en", "es"])
def test_it_answers_as_django_does(language):
    with translation.override(language):
        checked = 0
        for model, field in CHOICE_FIELDS:
            display = getattr(model, f"get_{field.name}_display")
            for value in [v for v, _label in field.flatchoices] + ["not-a-choice", None]:
                instance = model()
                setattr(instance, field.attname, value)
                ours, djangos = display(instance), models.Model._get_FIELD_display(instance, field)
                assert (ours, type(ours)) == (djangos, type(djangos)), (model, field, value)
                checked += 1
        assert checked > 200
    from reparo.cases.models import Case

    with translation.override(language):
        assert Case(status="withdrawn").get_status_display() == translation.gettext("Withdrawn")
    assert translation.gettext("Withdrawn") == "Withdrawn"  # back in English outside the override

from django.urls import include, path
from django.views.i18n import set_language

from reparo.accounts.middleware import public

urlpatterns = [
    path("", include("reparo.core.urls")),
    path("", include("reparo.accounts.urls")),
    path("organisations/", include("reparo.organisations.urls")),
    path("activity/", include("reparo.audit.urls")),
    path("cases/", include("reparo.cases.urls")),
    path("people/", include("reparo.people.urls")),
    path("consent/", include("reparo.consent.urls")),
    path("processes/", include("reparo.processes.urls")),
    path("agreements/", include("reparo.agreements.urls")),
    path("cosa/", include("reparo.cosa.urls")),
    path("safety/", include("reparo.safety.urls")),
    path("evaluation/", include("reparo.evaluation.urls")),
    path("training/", include("reparo.training.urls")),
    path("outcomes/", include("reparo.analytics.urls")),
    path("i18n/set-language/", public(set_language), name="set_language"),
]

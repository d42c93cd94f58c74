from django.urls import include, path
from django.views.i18n import set_language

from reparo.core.decorators import public

urlpatterns = [
    path("", include("reparo.core.urls")),
    path("", include("reparo.organisations.home_urls")),
    path("help/", include("reparo.core.help_urls")),
    path("", include("reparo.accounts.urls")),
    path("organisations/", include("reparo.organisations.urls")),
    path("activity/", include("reparo.organisations.activity_urls")),
    path("cases/", include("reparo.cases.urls")),
    path("people/", include("reparo.cases.person_urls")),
    path("consent/", include("reparo.consent.urls")),
    path("processes/", include("reparo.processes.urls")),
    path("agreements/", include("reparo.agreements.urls")),
    path("cosa/", include("reparo.cosa.urls")),
    path("support/", include("reparo.support.urls")),
    path("safety/", include("reparo.safety.urls")),
    path("evaluation/", include("reparo.evaluation.urls")),
    path("training/", include("reparo.training.urls")),
    path("outcomes/", include("reparo.analytics.urls")),
    path("funding/", include("reparo.funding.urls")),
    path("messages/", include("reparo.messaging.urls")),
    path("partners/", include("reparo.referrals.directory_urls")),
    path("referrals/", include("reparo.referrals.urls")),
    path("my/", include("reparo.portal.urls")),
    path("portal-access/", include("reparo.portal.staff_urls")),
    path("releases/", include("reparo.releases.urls")),
    path("exchange/", include("reparo.interop.urls")),
    path("api/", include("reparo.api.urls")),
    path("api-tokens/", include("reparo.api.token_urls")),
    path("downloads/", include("reparo.jobs.urls")),
    path("i18n/set-language/", public(set_language), name="set_language"),
]

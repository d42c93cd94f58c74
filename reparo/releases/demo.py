"""A public release for the demo (development only, through the services): one release of two tables at ε 1, so the
page shows a release, its accuracy and a budget partly spent. Runs once."""

from __future__ import annotations

from typing import Any

from reparo.organisations.models import Organisation
from reparo.releases import services
from reparo.releases.models import Release


def seed_releases_demo(*, operator: Organisation, admin: Any) -> None:
    if Release.objects.filter(organisation=operator).exists():
        return
    services.release_publish(
        actor=admin, organisation=operator, title="Figures for our funders (demo)", epsilon="1",
        tables_chosen=["cases_by_status", "survivors_by_exploitation", "agreements"],
    )  # fmt: skip

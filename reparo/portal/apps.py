from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "reparo.portal"
    label = "portal"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from reparo.access import participants
        from reparo.cases.extensions import case_page_panel
        from reparo.portal import panels, selectors

        # Whom a participant speaks for (the services of consent, safety, processes and evaluation ask it), and
        # whether a person may be told that something waits for them here (messaging's notifications ask it).
        participants.provide(person_id_of=selectors.speaking_person_id, may_be_told=selectors.person_may_be_told)
        # The portal panel on the case page: each participant's access, and invite / re-issue / suspend.
        case_page_panel("portal_access", panels.case_panel)

from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "reparo.referrals"
    label = "referrals"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from reparo.cases.extensions import case_page_panel, case_timeline_entries
        from reparo.consent.signals import consent_withdrawn
        from reparo.organisations.models import Organisation
        from reparo.referrals import home, selectors, services

        consent_withdrawn.connect(services.on_consent_withdrawn, dispatch_uid="referrals.end_access_on_withdrawal")
        post_save.connect(services.ensure_partner_profile, sender=Organisation, dispatch_uid="referrals.profile")
        case_page_panel("referrals", selectors.case_panel)
        case_timeline_entries("referrals", selectors.timeline_entries)
        home.register()  # its section of the home page

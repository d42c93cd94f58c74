from django.urls import path

from reparo.api import views

app_name = "api"

urlpatterns = [
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", views.reference, name="docs"),
    path("v1/token/", views.TokenView.as_view(), name="token"),
    # The partner's inbox: referrals sent to the token's organisation
    path("v1/referrals/", views.ReferralList.as_view(), name="referrals"),
    path("v1/referrals/<uuid:pk>/", views.ReferralDetailView.as_view(), name="referral"),
    path("v1/referrals/<uuid:pk>/packet/", views.PacketView.as_view(), name="referral_packet"),
    *[
        path(f"v1/referrals/<uuid:pk>/{move.path}/", views.referral_move_view(move), name=move.name)
        for move in views.REFERRAL_MOVES
    ],
    # Referrals in: the partner refers people into programs
    path("v1/programs/", views.ProgramList.as_view(), name="programs"),
    path("v1/incoming-referrals/", views.IncomingList.as_view(), name="incoming"),
    # The operator's exports and published figures
    path("v1/htcds/export/", views.HtcdsExport.as_view(), name="htcds_export"),
    path("v1/releases/", views.ReleaseList.as_view(), name="releases"),
    path("v1/releases/<uuid:pk>/", views.ReleaseDetail.as_view(), name="release"),
]

from django.urls import path

from reparo.referrals import views

app_name = "referrals"

urlpatterns = [
    # The sending team
    path("case/<uuid:case_pk>/new/", views.referral_new, name="new"),
    path("case/<uuid:case_pk>/preview/", views.referral_preview, name="preview"),
    path("<uuid:pk>/", views.referral_detail, name="detail"),
    path("<uuid:pk>/send/", views.referral_send, name="send"),
    path("<uuid:pk>/move/", views.referral_move, name="move"),
    path("<uuid:pk>/update/", views.referral_update, name="update"),
    path("<uuid:pk>/packet.pdf", views.referral_packet_pdf, name="packet_pdf"),
    # The partner
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<uuid:pk>/", views.inbox_referral, name="inbox_referral"),
    path("inbox/<uuid:pk>/packet/", views.inbox_packet, name="inbox_packet"),
    path("inbox/<uuid:pk>/move/", views.inbox_move, name="inbox_move"),
    path("inbox/<uuid:pk>/update/", views.inbox_update, name="inbox_update"),
    path("refer/", views.refer_in, name="refer_in"),
    # The program's inbox of referrals in
    path("incoming/", views.incoming, name="incoming"),
    path("incoming/new/", views.incoming_new, name="incoming_new"),
    path("incoming/<uuid:pk>/", views.incoming_detail, name="incoming_detail"),
    path("incoming/<uuid:pk>/accept/", views.incoming_accept, name="incoming_accept"),
    path("incoming/<uuid:pk>/decline/", views.incoming_decline, name="incoming_decline"),
]

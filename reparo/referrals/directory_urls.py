from django.urls import path

from reparo.referrals import views

app_name = "partners"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("new/", views.partner_add, name="add"),
    path("<id:pk>/", views.partner_detail, name="detail"),
    path("<id:pk>/edit/", views.partner_edit, name="edit"),
    path("agreements/", views.agreement_list, name="agreements"),
    path("agreements/new/", views.agreement_new, name="agreement_new"),
    path("agreements/<uuid:pk>/", views.agreement_detail, name="agreement"),
    path("agreements/<uuid:pk>/edit/", views.agreement_edit, name="agreement_edit"),
    path("agreements/<uuid:pk>/document/", views.agreement_document, name="agreement_document"),
    path("agreements/<uuid:pk>/status/", views.agreement_move, name="agreement_move"),
    path("programs/<id:program_pk>/answer-time/", views.referral_settings, name="referral_settings"),
]

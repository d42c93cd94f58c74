from django.urls import path

from reparo.messaging import views

app_name = "messaging"

urlpatterns = [
    path("case/<uuid:case_pk>/start/", views.thread_start, name="thread_start"),
    path("<uuid:pk>/", views.thread_detail, name="thread"),
    path("<uuid:pk>/pass-on/", views.relay_new, name="relay_new"),
    path("files/<uuid:pk>/", views.attachment_download, name="attachment"),
    path("pass-on/<uuid:pk>/", views.relay_detail, name="relay"),
    path("pass-on/<uuid:pk>/approve/", views.relay_approve, name="relay_approve"),
    path("pass-on/<uuid:pk>/edit/", views.relay_edit, name="relay_edit"),
    path("pass-on/<uuid:pk>/decline/", views.relay_decline, name="relay_decline"),
    path("pass-on/<uuid:pk>/answer/", views.relay_answer, name="relay_answer"),
    path("pass-on/<uuid:pk>/withdraw/", views.relay_withdraw, name="relay_withdraw"),
    path("people/<uuid:pk>/told/", views.contact, name="contact"),
    path("told/<uuid:pk>/end/", views.contact_end, name="contact_end"),
    path("program/<id:pk>/keeping/", views.retention, name="retention"),
]

"""The staff side of the portal: invite, re-issue and suspend a participant's access; a program's portal name."""

from django.urls import path

from reparo.portal import views

app_name = "portal_staff"

urlpatterns = [
    path("case/<uuid:case_pk>/person/<uuid:person_pk>/invite/", views.invite, name="invite"),
    path("case/<uuid:case_pk>/person/<uuid:person_pk>/suspend/", views.suspend, name="suspend"),
    path("program/<id:pk>/", views.program_settings, name="program"),
]

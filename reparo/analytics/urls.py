from django.urls import path

from reparo.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.index, name="index"),
    path("<id:organisation_pk>/", views.organisation_dashboard, name="organisation"),
    path("<id:organisation_pk>/report/", views.report, name="organisation_report"),
    path("<id:organisation_pk>/programs/<id:program_pk>/", views.program_dashboard, name="program"),
    path("<id:organisation_pk>/programs/<id:program_pk>/report/", views.report, name="program_report"),
    path("<id:organisation_pk>/improvements/", views.improvement_add, name="improvement_add"),
    path("improvements/<uuid:pk>/status/", views.improvement_status, name="improvement_status"),
]

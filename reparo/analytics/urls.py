from django.urls import path

from reparo.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:organisation_pk>/", views.organisation_dashboard, name="organisation"),
    path("<int:organisation_pk>/report.pdf", views.report, name="organisation_report"),
    path("<int:organisation_pk>/programs/<int:program_pk>/", views.program_dashboard, name="program"),
    path("<int:organisation_pk>/programs/<int:program_pk>/report.pdf", views.report, name="program_report"),
    path("<int:organisation_pk>/improvements/", views.improvement_add, name="improvement_add"),
    path("improvements/<uuid:pk>/status/", views.improvement_status, name="improvement_status"),
]

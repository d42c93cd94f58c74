from django.urls import path

from reparo.safety import views

app_name = "safety"

urlpatterns = [
    path("notices/", views.notices, name="notices"),
    path("notices/<id:pk>/read/", views.notice_read, name="notice_read"),
    path("case/<uuid:pk>/", views.case_overview, name="case"),
    path("case/<uuid:pk>/trend/", views.trend, name="trend"),
    path("case/<uuid:pk>/plan/<uuid:person_pk>/", views.safety_plan, name="plan"),
    path("case/<uuid:pk>/plan/<uuid:person_pk>/share/", views.safety_plan_share, name="plan_share"),
    path("case/<uuid:pk>/restrictions/", views.restrictions, name="restrictions"),
    path("case/<uuid:pk>/restrictions/<uuid:restriction_pk>/lift/", views.restriction_lift, name="restriction_lift"),
    path("process/<uuid:pk>/", views.process_screenings, name="process"),
    path("process/<uuid:pk>/screenings/<str:kind>/", views.screening_new, name="screening_new"),
    path("process/<uuid:pk>/check-in/", views.checkin, name="checkin"),
    path("program/<id:pk>/threshold/", views.program_threshold, name="program_threshold"),
    path("screenings/<uuid:pk>/sign-off/", views.screening_sign_off, name="sign_off"),
]

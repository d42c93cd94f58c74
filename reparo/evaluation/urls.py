from django.urls import path

from reparo.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("", views.home, name="home"),
    path("programs/<id:pk>/", views.program_detail, name="program"),
    path("programs/<id:pk>/schedule/", views.schedule_add, name="schedule_add"),
    path("programs/<id:pk>/schedule/<id:line_pk>/remove/", views.schedule_remove, name="schedule_remove"),
    path("programs/<id:pk>/cohorts/import/", views.cohort_import, name="cohort_import"),
    path("programs/<id:pk>/feedback/", views.stakeholder_feedback, name="feedback"),
    path("surveys/<uuid:pk>/", views.interview, name="interview"),
    path("surveys/<uuid:pk>/cancel/", views.survey_cancel, name="cancel"),
    path("cases/<uuid:case_pk>/reoffending/", views.reoffending, name="reoffending"),
]

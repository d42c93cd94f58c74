from django.urls import path

from reparo.cosa import views

app_name = "cosa"

urlpatterns = [
    path("process/<uuid:process_pk>/", views.circle_detail, name="detail"),
    path("process/<uuid:process_pk>/open/", views.circle_open, name="open"),
    path("process/<uuid:process_pk>/inner/", views.inner_member_add, name="inner_add"),
    path("process/<uuid:process_pk>/inner/<id:member_pk>/", views.inner_member_update, name="inner_update"),
    path("process/<uuid:process_pk>/outer/", views.outer_member_add, name="outer_add"),
    path("process/<uuid:process_pk>/meetings/", views.meeting_record, name="meeting_record"),
    path("process/<uuid:process_pk>/meetings/<uuid:meeting_pk>/minutes/", views.minutes_submit, name="minutes"),
    path("process/<uuid:process_pk>/concerns/", views.concern_raise, name="concern_raise"),
    path("process/<uuid:process_pk>/concerns/<uuid:concern_pk>/escalate/", views.concern_escalate, name="escalate"),
    path("process/<uuid:process_pk>/reviews/", views.review_add, name="review_add"),
    path("process/<uuid:process_pk>/questionnaire/", views.questionnaire_complete, name="questionnaire"),
]

from django.urls import path

from reparo.processes import views

app_name = "processes"

urlpatterns = [
    path("my-week/", views.my_week, name="my_week"),
    path("case/<uuid:case_pk>/new/", views.process_open, name="open"),
    path("<uuid:pk>/", views.process_detail, name="detail"),
    path("<uuid:pk>/participants/", views.participant_add, name="participant_add"),
    path("<uuid:pk>/participants/<id:participant_pk>/withdraw/", views.participant_withdraw, name="withdraw"),
    path("<uuid:pk>/participants/<id:participant_pk>/comes-with/", views.participant_supports, name="supports"),
    path("<uuid:pk>/facilitators/", views.facilitator_assign, name="facilitator_assign"),
    path("<uuid:pk>/stage/", views.stage_move, name="stage"),
    path("<uuid:pk>/end/", views.end_early, name="end"),
    path("<uuid:pk>/resume/", views.resume, name="resume"),
    path("<uuid:pk>/preparation/", views.preparation_add, name="preparation"),
    path("<uuid:pk>/sessions/new/", views.session_new, name="session_new"),
    path("<uuid:pk>/sessions/<uuid:session_pk>/", views.session_detail, name="session"),
    path("<uuid:pk>/sessions/<uuid:session_pk>/cancel/", views.session_cancel, name="session_cancel"),
    path("<uuid:pk>/sessions/<uuid:session_pk>/move/", views.session_reschedule, name="session_reschedule"),
    path("<uuid:pk>/sessions/<uuid:session_pk>/record/", views.session_record, name="session_record"),
    path(
        "<uuid:pk>/sessions/<uuid:session_pk>/replies/<id:invitation_pk>/",
        views.invitation_reply,
        name="invitation_reply",
    ),
    path(
        "<uuid:pk>/sessions/<uuid:session_pk>/calendar/<id:participant_pk>.ics",
        views.session_calendar,
        name="session_calendar",
    ),
]

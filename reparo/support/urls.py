from django.urls import path

from reparo.support import views

app_name = "support"

urlpatterns = [
    path("", views.home, name="home"),
    path("process/<uuid:process_pk>/", views.for_process, name="for_process"),
    path("<uuid:pk>/", views.circle_detail, name="detail"),
    path("<uuid:pk>/settings/", views.settings_update, name="settings"),
    path("<uuid:pk>/end/", views.circle_end, name="end"),
    path("<uuid:pk>/volunteers/", views.volunteer_add, name="volunteer_add"),
    path("<uuid:pk>/volunteers/<id:member_pk>/", views.volunteer_update, name="volunteer_update"),
    path("<uuid:pk>/partners/", views.partner_add, name="partner_add"),
    path("<uuid:pk>/goals/", views.goal_set, name="goal_set"),
    path("<uuid:pk>/goals/<uuid:goal_pk>/", views.goal_update, name="goal_update"),
    path("<uuid:pk>/goals/<uuid:goal_pk>/steps/", views.step_add, name="step_add"),
    path("<uuid:pk>/goals/<uuid:goal_pk>/progress/", views.progress_propose, name="progress"),
    path("<uuid:pk>/progress/<uuid:progress_pk>/answer/", views.progress_answer, name="answer"),
    path("<uuid:pk>/meetings/new/", views.meeting_record, name="meeting_record"),
    path("<uuid:pk>/meetings/<uuid:meeting_pk>/minutes/", views.minutes_submit, name="minutes"),
    path("<uuid:pk>/worry/", views.worry_raise, name="worry"),
    path("<uuid:pk>/worries/<uuid:worry_pk>/seen/", views.worry_seen, name="worry_seen"),
    path("<uuid:pk>/closing/", views.closing_record, name="closing"),
]

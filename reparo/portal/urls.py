"""The participants' portal, under ``/my/``: a neutral address."""

from django.urls import path

from reparo.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/code/", views.sign_in_code, name="sign_in_code"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("start/", views.start, name="start"),
    path("start/passphrase/", views.start_passphrase, name="start_passphrase"),
    path("start/second-step/", views.start_factor, name="start_factor"),
    path("appointments/", views.appointments, name="appointments"),
    path("appointments/<uuid:pk>/", views.appointment, name="appointment"),
    path("appointments/<uuid:pk>/calendar.ics", views.appointment_calendar, name="appointment_calendar"),
    path("choices/", views.choices, name="choices"),
    path("choices/give/", views.choice_give, name="choice_give"),
    path("choices/<uuid:pk>/withdraw/", views.choice_withdraw, name="choice_withdraw"),
    path("questionnaires/", views.questionnaires, name="questionnaires"),
    path("questionnaires/<uuid:pk>/", views.questionnaire, name="questionnaire"),
    path("check-in/", views.checkin, name="checkin"),
    path("agreement/", views.agreements, name="agreements"),
    path("agreement/<uuid:pk>/", views.agreement, name="agreement"),
    path("stop/", views.stop, name="stop"),
    path("stop/<uuid:pk>/", views.stop_process, name="stop_process"),
    path("talk/", views.talk, name="talk"),
    path("safety-plan/<uuid:pk>/", views.safety_plan, name="safety_plan"),
    # Messages (reparo.messaging, read and written as the participant): the portal is above messaging in the app
    # order, so the participant's pages live here and messaging knows nothing of the portal.
    path("messages/", views.messages_home, name="messages"),
    path("messages/<uuid:case_pk>/", views.conversation, name="conversation"),
    path("messages/<uuid:case_pk>/files/<uuid:pk>/", views.message_file, name="message_file"),
    path("messages/<uuid:case_pk>/pass-on/", views.pass_on, name="pass_on"),
    path("messages/<uuid:case_pk>/pass-on/<uuid:pk>/", views.relay, name="relay"),
    path("messages/<uuid:case_pk>/pass-on/<uuid:pk>/answer/", views.relay_answer, name="relay_answer"),
    path("messages/<uuid:case_pk>/pass-on/<uuid:pk>/take-back/", views.relay_withdraw, name="relay_withdraw"),
    # The survivor's support circle (reparo.support).
    path("circle/<uuid:pk>/", views.circle, name="circle"),
    path("circle/<uuid:pk>/progress/<uuid:progress_pk>/", views.circle_progress, name="circle_progress"),
    path("circle/<uuid:pk>/end/", views.circle_end, name="circle_end"),
]

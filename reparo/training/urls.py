from django.urls import path

from reparo.training import views

app_name = "training"

urlpatterns = [
    path("", views.my_training, name="mine"),
    path("people/<uuid:user_pk>/", views.my_training, name="person"),
    path("cpd/", views.cpd_add, name="cpd_add"),
    path("observations/", views.colleague_observation_add, name="observe"),
    path("reflections/", views.reflection_add, name="reflection_add"),
    path("profile/", views.profile_edit, name="profile"),
    path("conflicts/", views.conflict_declare, name="conflict"),
    path("people/<uuid:user_pk>/conflicts/", views.conflict_record_for, name="conflict_for"),
    path("courses/", views.course_list, name="courses"),
    path("courses/<id:pk>/", views.course_detail, name="course"),
    path("courses/<id:pk>/enrol/", views.course_enrol, name="course_enrol"),
    path("courses/<id:pk>/sessions/", views.course_session_add, name="course_session_add"),
    path("courses/sessions/<id:session_pk>/attendance/", views.attendance, name="attendance"),
    path("courses/<id:pk>/partners/", views.course_open, name="course_open"),
    path("partners/", views.partner_attendance, name="partner_attendance"),
    path("joint/", views.joint_training, name="joint"),
    path("joint/<id:pk>/", views.joint_course, name="joint_course"),
    path("joint/<id:pk>/enrol/", views.joint_enrol, name="joint_enrol"),
    path("scenarios/", views.scenario_list, name="scenarios"),
    path("scenarios/<slug:scenario_id>/start/", views.attempt_start, name="attempt_start"),
    path("attempts/<uuid:pk>/", views.attempt_play, name="attempt"),
    path("team/", views.team, name="team"),
    path("team/expiring/", views.expiring, name="expiring"),
    path("framework/", views.framework, name="framework"),
    path("framework/requirement/", views.requirement_set, name="requirement_set"),
    path("framework/competency/", views.competency_save, name="competency_save"),
    path("programs/<id:pk>/settings/", views.program_settings_save, name="program_settings"),
    path("people/<uuid:user_pk>/profile/", views.profile_for, name="profile_for"),
    path("people/<uuid:user_pk>/observations/", views.observation_add, name="observation_add"),
    path("people/<uuid:user_pk>/supervision/", views.supervision_add, name="supervision_add"),
    path("people/<uuid:user_pk>/certify/", views.certification_issue, name="certify"),
    path("certifications/<uuid:pk>/renew/", views.certification_renew, name="renew"),
    path("certifications/<uuid:pk>/suspend/", views.certification_suspend, name="suspend"),
    path("processes/<uuid:pk>/eligibility/", views.process_eligibility, name="eligibility"),
    path("processes/<uuid:pk>/preference/", views.preference_set, name="preference"),
]

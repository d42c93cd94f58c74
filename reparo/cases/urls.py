from django.urls import path

from reparo.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.intake, name="intake"),
    path("search/", views.case_search, name="search"),
    path("<uuid:pk>/", views.case_detail, name="detail"),
    path("<uuid:pk>/responsible-side/", views.responsible_side, name="responsible_side"),
    path("<uuid:pk>/edit/", views.case_edit, name="edit"),
    path("<uuid:pk>/status/", views.case_transition, name="transition"),
    path("<uuid:pk>/timeline/", views.timeline, name="timeline"),
    path("<uuid:pk>/forms/<str:name>/", views.case_form, name="form"),
    path("<uuid:pk>/notes/", views.note_add, name="note_add"),
    path("<uuid:pk>/notes/<uuid:note_pk>/", views.note_edit, name="note_edit"),
    path("<uuid:pk>/tasks/", views.task_add, name="task_add"),
    path("<uuid:pk>/tasks/<uuid:task_pk>/done/", views.task_complete, name="task_complete"),
    path("<uuid:pk>/team/", views.team_add, name="team_add"),
    path("<uuid:pk>/team/<id:member_pk>/remove/", views.team_remove, name="team_remove"),
    path("<uuid:pk>/needs/", views.need_add, name="need_add"),
    path("<uuid:pk>/harms/", views.harm_add, name="harm_add"),
]

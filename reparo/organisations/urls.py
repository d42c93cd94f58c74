from django.urls import path

from reparo.organisations import views

app_name = "organisations"

urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("<id:pk>/", views.organisation_detail, name="detail"),
    path("<id:pk>/members/add/", views.member_add, name="member_add"),
    path("<id:pk>/members/<id:membership_pk>/end/", views.membership_end, name="membership_end"),
    path("<id:pk>/people/<uuid:user_pk>/deactivate/", views.user_deactivate, name="user_deactivate"),
]

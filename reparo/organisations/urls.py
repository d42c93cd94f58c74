from django.urls import path

from reparo.organisations import views

app_name = "organisations"

urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("<int:pk>/", views.organisation_detail, name="detail"),
    path("<int:pk>/members/add/", views.member_add, name="member_add"),
    path("<int:pk>/members/<int:membership_pk>/end/", views.membership_end, name="membership_end"),
    path("<int:pk>/people/<uuid:user_pk>/deactivate/", views.user_deactivate, name="user_deactivate"),
]

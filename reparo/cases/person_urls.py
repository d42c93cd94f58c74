from django.urls import path

from reparo.cases import person_views as views

app_name = "people"

urlpatterns = [
    path("<uuid:pk>/", views.person_detail, name="detail"),
    path("<uuid:pk>/identity/", views.person_identity, name="identity"),
    path("<uuid:pk>/edit/", views.person_edit, name="edit"),
    path("<uuid:pk>/erase/", views.person_erase, name="erase"),
]

from django.urls import path

from reparo.releases import views

app_name = "releases"

urlpatterns = [
    path("", views.index, name="index"),
    path("<id:organisation_pk>/", views.organisation, name="organisation"),
    path("<id:organisation_pk>/new/", views.release_new, name="new"),
    path("<id:organisation_pk>/budget/", views.budget, name="budget"),
    path("r/<uuid:pk>/", views.release_detail, name="detail"),
    path("r/<uuid:pk>/release.csv", views.release_csv, name="csv"),
    path("r/<uuid:pk>/release.pdf", views.release_pdf, name="pdf"),
]

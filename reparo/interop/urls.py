from django.urls import path

from reparo.interop import views

app_name = "interop"

urlpatterns = [
    path("", views.index, name="index"),
    path("<id:organisation_pk>/export/", views.export, name="export"),
    path("<id:organisation_pk>/import/", views.import_file, name="import"),
]

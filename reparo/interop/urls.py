from django.urls import path

from reparo.interop import views

app_name = "interop"

urlpatterns = [
    path("", views.index, name="index"),
    path("<id:organisation_pk>/export/", views.export, name="export"),
    path("<id:organisation_pk>/import/", views.import_file, name="import"),
    path("<id:organisation_pk>/field-intake/", views.field_intake, name="field_intake"),
    path("field-intake/<uuid:pk>/take/", views.field_intake_take, name="field_intake_take"),
]

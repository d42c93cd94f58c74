from django.urls import path

from reparo.core import views

app_name = "core"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("exit/", views.quick_exit, name="quick_exit"),
]

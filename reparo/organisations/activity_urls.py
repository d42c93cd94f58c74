from django.urls import path

from reparo.organisations import views

app_name = "audit"

urlpatterns = [path("", views.audit_list, name="list")]

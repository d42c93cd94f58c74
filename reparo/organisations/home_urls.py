from django.urls import path

from reparo.organisations import views

app_name = "home"

urlpatterns = [path("", views.home, name="index")]

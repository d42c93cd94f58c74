from django.urls import path

from reparo.core import views

app_name = "help"

urlpatterns = [
    path("", views.help_index, name="index"),
    path("glossary/", views.help_glossary, name="glossary"),
    path("guides/<slug:role>/", views.help_guide, name="guide"),
]

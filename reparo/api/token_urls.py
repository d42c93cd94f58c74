from django.urls import path

from reparo.api import views

app_name = "api_tokens"

urlpatterns = [
    path("", views.tokens_index, name="index"),
    path("<id:organisation_pk>/", views.tokens, name="organisation"),
    path("token/<uuid:pk>/revoke/", views.token_revoke, name="revoke"),
]

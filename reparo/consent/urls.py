from django.urls import path

from reparo.consent import views

app_name = "consent"

urlpatterns = [
    path("people/<uuid:person_pk>/", views.person_consents, name="person"),
    path("people/<uuid:person_pk>/record/", views.consent_record, name="record"),
    path("people/<uuid:person_pk>/<uuid:pk>/withdraw/", views.consent_withdraw, name="withdraw"),
]

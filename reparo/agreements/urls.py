from django.urls import path

from reparo.agreements import views

app_name = "agreements"

urlpatterns = [
    path("process/<uuid:process_pk>/", views.agreement_detail, name="detail"),
    path("process/<uuid:process_pk>/draft/", views.agreement_draft, name="draft"),
    path("process/<uuid:process_pk>/<uuid:pk>/items/", views.item_add, name="item_add"),
    path("process/<uuid:process_pk>/items/<uuid:pk>/remove/", views.item_remove, name="item_remove"),
    path("process/<uuid:process_pk>/<uuid:pk>/propose/", views.agreement_propose, name="propose"),
    path("process/<uuid:process_pk>/<uuid:pk>/accept/", views.acceptance_record, name="accept"),
    path("process/<uuid:process_pk>/obligations/<uuid:pk>/", views.obligation_mark, name="obligation_mark"),
    path("process/<uuid:process_pk>/instalments/<uuid:pk>/pay/", views.instalment_pay, name="instalment_pay"),
]

from django.urls import path

from reparo.funding import views

app_name = "funding"

urlpatterns = [
    path("", views.grants, name="grants"),
    path("funders/", views.funders, name="funders"),
    path("grants/new/", views.grant_new, name="grant_new"),
    path("grants/<uuid:pk>/", views.grant_detail, name="grant"),
    path("grants/<uuid:pk>/edit/", views.grant_edit, name="grant_edit"),
    path("grants/<uuid:pk>/allocations/", views.allocation_set, name="allocation_set"),
    path("grants/<uuid:pk>/deadlines/", views.deadline_add, name="deadline_add"),
    path("grants/<uuid:pk>/deadlines/<uuid:deadline_pk>/sent/", views.deadline_sent, name="deadline_sent"),
    path("grants/<uuid:pk>/spend/", views.spend_new, name="spend_new"),
    path("grants/<uuid:pk>/report/pdf/", views.report_pdf, name="report_pdf"),
    path("grants/<uuid:pk>/report/csv/", views.report_csv, name="report_csv"),
]

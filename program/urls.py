from django.urls import path

from . import views

app_name = "program"
urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/<str:role>/", views.dashboard, name="dashboard"),
    path("cohorts/<slug:slug>/", views.cohort_detail, name="cohort"),
]

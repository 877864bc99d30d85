from django.urls import path

from . import views

app_name = "applications"
urlpatterns = [
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
]

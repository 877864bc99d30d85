from django.urls import path

from applications.updates import views as views_updates

app_name = "updates"
urlpatterns = [
    path("updates/", views_updates.sign_up, name="sign-up"),
    path("updates/confirm/<str:token>/", views_updates.confirm, name="confirm"),
    path("updates/unsubscribe/<str:token>/", views_updates.unsubscribe, name="unsubscribe"),
    path("updates/announcements/", views_updates.announcements, name="announcements"),
    path("updates/calls/<slug:slug>/notify/", views_updates.notify_call, name="notify-call"),
    path("curriculum-access/", views_updates.access_request, name="access"),
    path("curriculum-access/requests/", views_updates.access_requests, name="access-requests"),
]

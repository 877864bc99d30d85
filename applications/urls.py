from django.urls import path

from . import views

app_name = "applications"
urlpatterns = [
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/questionnaire/", views.questionnaire, name="questionnaire"),
    path("<int:pk>/questionnaire/autosave/", views.autosave, name="autosave"),
    path("<int:pk>/documents/<int:document_pk>/", views.document, name="document"),
    path("<int:pk>/answers/<int:answer_pk>/file/", views.answer_file, name="answer-file"),
    path("link/<str:token>/", views.link, name="link"),
    path("apply/<slug:slug>/", views.apply, name="apply"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/", views.inbound_detail, name="inbound"),
    path("inbox/<int:pk>/raw/", views.inbound_raw, name="inbound-raw"),
    path("inbox/<int:pk>/reprocess/", views.inbound_reprocess, name="inbound-reprocess"),
    path("calls/", views.calls, name="calls"),
    path("calls/new/", views.call_new, name="call-new"),
    path("calls/<slug:slug>/", views.call_applications, name="call"),
]

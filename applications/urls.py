from django.urls import path, re_path

from applications import duplicates_views, views
from applications.interviews import views as views_interview
from applications.review import views as views_review

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
    path("calls/<slug:slug>/queue/", views_review.queue, name="queue"),
    re_path(r"^calls/(?P<slug>[-\w]+)/queue\.(?P<fmt>csv|xlsx)$", views_review.queue_export, name="queue-export"),
    path("calls/<slug:slug>/assign/", views_review.assign, name="assign"),
    path("calls/<slug:slug>/bulk/", views_review.bulk_action, name="bulk"),
    path("reviews/", views_review.my_reviews, name="my-reviews"),
    path("<int:pk>/review/", views_review.review, name="review"),
    path("<int:pk>/review/conflict/", views_review.declare_conflict, name="conflict"),
    path("search/", views.search, name="search"),
    path("duplicates/", duplicates_views.duplicate_list, name="duplicates"),
    path("duplicates/<int:pk>/dismiss/", duplicates_views.duplicate_dismiss, name="duplicate-dismiss"),
    path("duplicates/<int:pk>/merge/", duplicates_views.duplicate_merge, name="duplicate-merge"),
    path("outbox/", views_review.outbox_drafts, name="outbox"),
    path("outbox/<int:pk>/edit/", views_review.outbox_edit, name="outbox-edit"),
    path("<int:pk>/offer/", views_review.respond_offer, name="offer"),
    path("promotions/<int:pk>/", views_review.decide_promotion, name="promotion"),
    path("<int:pk>/interview/", views_interview.booking, name="interview"),
    path("interviews/", views_interview.my_interviews, name="my-interviews"),
    path("interviews/<int:pk>/", views_interview.scorecard, name="scorecard"),
    path("calls/<slug:slug>/match-interviews/", views_interview.match, name="match-interviews"),
    path("calls/<slug:slug>/analytics/", views_review.analytics, name="analytics"),
    path("calls/<slug:slug>/analytics.csv", views_review.analytics_csv, name="analytics-csv"),
]

from django.urls import path

from program import devmail, views
from program.cohorts import attendance_views
from program.cohorts import views as views_schedule
from program.feedback import views as views_feedback
from program.help import views as help_views
from program.labs import views as views_progress
from program.privacy import views as privacy_views

app_name = "program"
urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/<str:role>/", views.dashboard, name="dashboard"),
    path("dashboard/<str:role>/panels/<slug:key>/", views.dashboard_panel, name="dashboard-panel"),
    path("cohorts/<slug:slug>/", views.cohort_detail, name="cohort"),
    path("cohorts/<slug:slug>/pairs/", views_schedule.board, name="board"),
    path("cohorts/<slug:slug>/week.pdf", views_schedule.week_pdf, name="week-pdf"),
    path("cohorts/<slug:slug>/lectures/plan/", views_schedule.lecture_plan, name="lecture-plan"),
    path("today/", views_schedule.today, name="today"),
    path("cohorts/<slug:slug>/progress/", views_progress.heatmap, name="progress"),
    path("cohorts/<slug:slug>/progress/<str:workspace>/", views_progress.group_day, name="group-progress"),
    path("cohorts/<slug:slug>/help/", views_progress.help_list, name="needs-help"),
    path("cohorts/<slug:slug>/queue/", help_views.queue_page, name="help-queue"),
    path("cohorts/<slug:slug>/queue/<int:pk>/<str:action>/", help_views.act, name="help-act"),
    path("cohorts/<slug:slug>/queue/accept/<str:workspace>/", help_views.accept, name="help-accept"),
    path("cohorts/<slug:slug>/queue/numbers/", help_views.numbers, name="help-numbers"),
    path("cohorts/<slug:slug>/attendance/", attendance_views.attendance, name="attendance"),
    path("today/help/", help_views.mine, name="help-mine"),
    path("today/help/ask/", help_views.ask, name="help-ask"),
    path("today/help/cancel/", help_views.cancel, name="help-cancel"),
    path("labs/", views_progress.fleet, name="fleet"),
    path("progress/", views_progress.my_progress, name="my-progress"),
    path("feedback/", views_feedback.day_feedback, name="feedback"),
    path("cohorts/<slug:slug>/survey/", views_feedback.survey, name="survey"),
    path("cohorts/<slug:slug>/feedback/", views_feedback.summary, name="feedback-summary"),
    path("cohorts/<slug:slug>/calendar/", views.rotate_cohort_feed, name="cohort-feed"),
    path(
        "cohorts/<slug:slug>/enrollments/<int:pk>/withdraw/",
        views_schedule.withdraw_enrollment,
        name="withdraw-enrollment",
    ),
    path("profile/", views.profile, name="profile"),
    path("profile/data/", privacy_views.my_data, name="my-data"),
    path("privacy/", privacy_views.notice, name="privacy"),
    path("people/<int:pk>/data/", privacy_views.person_data, name="person-data"),
    path("people/<int:pk>/erase/", privacy_views.person_erase, name="person-erase"),
    path("dev/mail/", devmail.dev_mail, name="dev-mail"),
    path("calendar/", views.my_calendar, name="calendar"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="feed"),
]

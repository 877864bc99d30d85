from django.urls import path, re_path

from grants import views
from grants.alumni import views as views_alumni
from grants.payments import views as views_payments

app_name = "grants"
urlpatterns = [
    path("", views.grant_list, name="list"),
    path("alumni/", views_alumni.alumni_list, name="alumni"),
    path("alumni/me/", views_alumni.my_alumni_profile, name="my-alumni"),
    path("alumni/<int:pk>/", views_alumni.alumni_detail, name="alumnus"),
    path("new/", views.new_grant, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/extend/", views.extend, name="extend"),
    re_path(r"^(?P<pk>\d+)/(?P<action>approve|decline|cancel)/$", views.decide, name="decide"),
    path("payments/", views_payments.payments_page, name="payments"),
    path("payments/batches/<int:pk>/", views_payments.batch, name="batch"),
    re_path(
        r"^payments/batches/(?P<pk>\d+)/files/(?P<fmt>[a-z0-9]{1,10})/$",
        views_payments.batch_make_file,
        name="batch-file",
    ),
    re_path(
        r"^payments/batches/(?P<pk>\d+)\.(?P<fmt>[a-z0-9]{1,10})$", views_payments.batch_export, name="batch-export"
    ),
    path("payments/statements/", views_payments.statements, name="statements"),
    re_path(
        r"^payments/statements/entries/(?P<pk>\d+)/(?P<action>resolve|dismiss)/$",
        views_payments.statement_entry,
        name="statement-entry",
    ),
    path("tax-forms/<int:pk>/", views_payments.tax_form_file, name="tax-form"),
    path("tax-forms/<int:pk>/review/", views_payments.tax_form_review, name="tax-form-review"),
    path("ledger/", views.ledger, name="ledger"),
    path("<int:pk>/payout/", views_payments.payout, name="payout"),
    path("<int:pk>/payout/reveal/", views_payments.payout_reveal, name="payout-reveal"),
    path("<int:pk>/payout/confirm/", views_payments.payout_confirm, name="payout-confirm"),
    path("<int:pk>/payout/tax-forms/", views_payments.tax_form_upload, name="tax-form-upload"),
    path("checkins/<int:pk>/", views.checkin, name="checkin"),
    path("<int:pk>/where-are-you/", views.where, name="where"),
    path("outcomes/", views.outcomes_page, name="outcomes"),
    path("ta-offers/<int:offer_pk>/letter/", views.ta_letter, name="ta-letter"),
    path("<int:pk>/letter/", views.send_letter, name="send-letter"),
    path("letters/<int:pk>/", views.accept, name="accept"),
    path("letters/<int:pk>/pdf/", views.letter_pdf, name="letter-pdf"),
]

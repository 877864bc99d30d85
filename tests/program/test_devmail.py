"""The development mail page shows every email the file backend wrote, and exists only in development."""

from django.core.mail import send_mail
from django.urls import reverse


def test_development_mail_lists_every_email_sent(client, settings, tmp_path, db):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    send_mail("Your sign-in code", "Your code is 123456", "runway@localhost", ["ada@example.org"])
    send_mail("We received your application", "Hello Ada,\nthank you.", "runway@localhost", ["ada@example.org"])

    page = client.get(reverse("program:dev-mail")).content.decode()

    assert page.index("We received your application") < page.index("Your sign-in code")
    assert "Your code is 123456" in page and "To ada@example.org" in page


def test_development_mail_is_a_404_in_production(client, settings, db):
    settings.DEBUG = False

    assert client.get(reverse("program:dev-mail")).status_code == 404

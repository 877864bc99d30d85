"""Signals other apps listen to. `applications` never imports `grants`; grants listens instead."""

from django.dispatch import Signal

# Sent inside the decision's transaction with `application` and `by` when an application is accepted.
application_accepted = Signal()

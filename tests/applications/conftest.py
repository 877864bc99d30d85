import pytest


@pytest.fixture
def intake_settings(settings):
    """The settings the mail corpus was made for (our address, our authserv-id, the size limit)."""
    settings.INBOUND_ADDRESS = "apply@runway.test"
    settings.INBOUND_AUTHSERV_ID = "mx.runway.test"
    settings.INBOUND_MAX_MESSAGE_BYTES = 300_000
    settings.DEFAULT_FROM_EMAIL = "Runway <runway@localhost>"
    return settings

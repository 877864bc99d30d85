"""`program.locks.held`: one holder at a time across processes (PostgreSQL advisory locks; a file lock
on SQLite), never waiting, and released however the block ends."""

import threading

import pytest
from django.db import connection

from program.locks import advisory_lock, file_lock, held


def _from_another_thread(lock, name: str) -> bool:
    """Whether a second holder (its own database connection, its own open file) gets the lock now."""
    got = []

    def run():
        try:
            with lock(name) as mine:
                got.append(mine)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    return got[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_advisory_lock_has_one_holder_across_connections_and_is_released_after_an_error():
    with advisory_lock("imap-poll:a") as mine:
        others = (
            _from_another_thread(advisory_lock, "imap-poll:a"),
            _from_another_thread(advisory_lock, "imap-poll:b"),
        )
    after = _from_another_thread(advisory_lock, "imap-poll:a")
    with pytest.raises(RuntimeError), advisory_lock("imap-poll:a"):
        raise RuntimeError("the poll failed")

    assert (mine, others, after) == (True, (False, True), True)
    assert _from_another_thread(advisory_lock, "imap-poll:a") is True
    with held("imap-poll:a") as chosen:  # PostgreSQL here: held() is the advisory lock
        assert chosen and _from_another_thread(advisory_lock, "imap-poll:a") is False


def test_a_file_lock_has_one_holder_and_is_released_after_an_error(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    with file_lock("imap-poll:a") as mine:
        others = (_from_another_thread(file_lock, "imap-poll:a"), _from_another_thread(file_lock, "imap-poll:b"))
    after = _from_another_thread(file_lock, "imap-poll:a")
    with pytest.raises(RuntimeError), file_lock("imap-poll:a"):
        raise RuntimeError("the poll failed")

    assert (mine, others, after) == (True, (False, True), True)
    assert _from_another_thread(file_lock, "imap-poll:a") is True

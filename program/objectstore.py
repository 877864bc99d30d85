"""Private files in S3-compatible object storage (`STORAGE_URL`): django-storages' S3 backend, with
every failure of the store (unreachable, bucket missing, denied) raised as `StorageUnavailable`, an
`OSError`, so the callers' existing handling applies: an upload is refused with a sentence and the
database transaction rolls back (no row names a file that was never written), a download is a clear
error, a deletion is retried by whoever asked."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError
from storages.backends.s3 import S3Storage


class StorageUnavailable(OSError):
    """The object store did not answer or refused: says which operation and why."""


def _guard(operation: str):
    def wrap(method):
        def guarded(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except (BotoCoreError, ClientError) as error:
                raise StorageUnavailable(f"file storage unavailable ({operation}): {error}") from error

        guarded.__name__ = method.__name__
        guarded.__doc__ = method.__doc__
        return guarded

    return wrap


class ObjectStorage(S3Storage):
    _save = _guard("save")(S3Storage._save)
    _open = _guard("open")(S3Storage._open)
    delete = _guard("delete")(S3Storage.delete)
    exists = _guard("exists")(S3Storage.exists)
    size = _guard("size")(S3Storage.size)

    def url(self, name, parameters=None, expire=None, http_method=None):
        """Private files have no public address; views stream them after checking permission."""
        raise NotImplementedError("Private files are served by the views that check permission, never by URL.")

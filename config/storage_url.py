"""`STORAGE_URL` → Django's STORAGES["default"]: `s3://BUCKET/PREFIX?endpoint=URL&region=NAME` for any
S3-compatible object storage (AWS, MinIO, Ceph, …) through django-storages. Files are private:
no ACL, no public URL is ever rendered (downloads stream through the views that check permission)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ImproperlyConfigured


def object_storage(url: str) -> dict:
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ImproperlyConfigured(f"STORAGE_URL must look like s3://bucket/prefix?endpoint=…, not {url[:60]!r}")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    options = {
        "bucket_name": parts.netloc,
        "location": parts.path.strip("/"),
        "default_acl": None,
        "file_overwrite": False,  # a second file with the same generated name never replaces the first
        "querystring_auth": True,
        "querystring_expire": 300,
        "signature_version": "s3v4",
    }
    if "endpoint" in query:
        options["endpoint_url"] = query["endpoint"]
        options["addressing_style"] = query.get("addressing", "path")
    if "region" in query:
        options["region_name"] = query["region"]
    return {"BACKEND": "program.objectstore.ObjectStorage", "OPTIONS": options}

"""gunicorn's settings for production (`gunicorn -c config/gunicorn.conf.py config.wsgi`).

Everything can be set from the environment, so the systemd unit and `make prod-check` share this file.
Sync workers with a few threads each: the pages are short SQL-bound requests; long work (mail, PDFs,
lab pulls) runs in Celery. Static files are served by WhiteNoise inside the app (hashed, compressed).
"""

import os

bind = os.environ.get("RUNWAY_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
max_requests = 2000  # recycle a worker now and then (a leak never grows without bound)
max_requests_jitter = 200
# The TLS proxy in front (nginx, Caddy) is the only one whose X-Forwarded-* headers count.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("WEB_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
proc_name = "runway-web"

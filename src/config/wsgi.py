"""WSGI entry point for gunicorn: `gunicorn config.wsgi` (with src/ on the path, as `pip install -e .` puts it)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")
application = get_wsgi_application()

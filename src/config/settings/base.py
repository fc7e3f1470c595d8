"""Settings shared by every environment.

Everything a deployer may change is read from the environment (django-environ): DATABASE_URL,
SECRET_KEY, ALLOWED_HOSTS, ZJTX_DATA_DIR, EMAIL_URL. See docs/guide-deployer.md.
"""

from pathlib import Path

import environ

REPO_ROOT = Path(__file__).resolve().parents[3]
SRC_ROOT = REPO_ROOT / "src"

env = environ.Env()
environ.Env.read_env(REPO_ROOT / ".env") if (REPO_ROOT / ".env").is_file() else None

# Runtime data (SQLite file, uploaded evidence, exports) lives outside the web root.
DATA_DIR = Path(env.str("ZJTX_DATA_DIR", default=str(REPO_ROOT / "var")))
for _folder in ("media", "static"):  # whitenoise and uploads expect both to exist
    (DATA_DIR / _folder).mkdir(parents=True, exist_ok=True)

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves Swagger UI for /api/docs from its own static files (no CDN)
    "django_tasks",
    "django_tasks_db",
    "rules.apps.AutodiscoverRulesConfig",
    "simple_history",
    "portal.accounts",
    "portal.audit",
    "portal.inbox",
    "portal.regions",
    "portal.enterprises",
    "portal.assessments",
    "portal.cultivation",
    "portal.screening",
    "portal.policies",
    "portal.services",
    "portal.digital",
    "portal.clusters",
    "portal.pairing",
    "portal.exchange",
    "portal.dashboard",
    "portal.api",
    "portal.web",
]

MIDDLEWARE = [
    # /healthz first: a probe on the local port sends no site Host and no HTTPS (portal.web.views).
    "portal.web.views.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.web.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_ROOT / "portal" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.web.context.portal",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'zjtx.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Many readers, one writer at a time, without "database is locked" under the worker + web pair.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "portal.accounts.validators.MinimumLengthValidator"},  # its message in Chinese too
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

# Chinese first: msgids in templates and code are 简体中文; English is a translation (docs/decisions/0002).
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [SRC_ROOT / "portal" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [SRC_ROOT / "portal" / "static"]
STORAGES = {
    # Evidence is private: stored under DATA_DIR/media, never served by URL, only through checked views.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "media"), "base_url": None},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="zjtx <noreply@localhost>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Platform settings a province may tune (docs/guide-official.md). The periods of the recognition procedure
# (validity, change report, 公示 days) are law, not settings: criteria/<rule set>/procedure.yaml.
ZJTX = {
    "EVIDENCE_MAX_BYTES": env.int("ZJTX_EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024),
    "EVIDENCE_TYPES": {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"},
    # 主动发现: a running screening with no progress for this long lost its worker and is failed;
    # uploads and result files are deleted this many days after upload (`manage.py screening_maintenance`).
    "SCREENING_STALE_MINUTES": env.int("ZJTX_SCREENING_STALE_MINUTES", default=30),
    "SCREENING_KEEP_DAYS": env.int("ZJTX_SCREENING_KEEP_DAYS", default=90),
    # Sign-in: after this many wrong passwords for one user name, that name is refused for this many minutes.
    "LOGIN_MAX_FAILURES": env.int("ZJTX_LOGIN_MAX_FAILURES", default=5),
    "LOGIN_LOCK_MINUTES": env.int("ZJTX_LOGIN_LOCK_MINUTES", default=15),
}

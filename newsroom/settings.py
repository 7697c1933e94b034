"""Settings for the newsroom site, read from the environment.

Development needs nothing set: DEBUG=1 gives a local SQLite database and a
throwaway secret key. Production is any run with DEBUG unset or 0, and then
SECRET_KEY must be set. DATABASE_URL selects PostgreSQL, REDIS_URL a shared cache.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

# Not a secret: refused below when DEBUG is off.
DEVELOPMENT_SECRET_KEY = "development-only-not-secret"  # noqa: S105 # nosec B105
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
if not DEBUG and SECRET_KEY in ("", DEVELOPMENT_SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set when DEBUG is off: set DEBUG=1 for local development, "
        "or SECRET_KEY for production (a long random value)."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "tracker",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sitemaps",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "simple_history",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
]

# The header middleware comes before WhiteNoise so static files get the same
# headers as pages, and the frame and CSP headers before SecurityMiddleware so
# its http-to-https redirect carries them too.
MIDDLEWARE = [
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # A NUL character anywhere in a request's path, query or form: 400, before any query sees it.
    "tracker.security.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions and auth: a cached page is answered with the least work.
    "tracker.public.caching.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "tracker.history.EditMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses logins from a locked-out address
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

# The public pages are Jinja2 templates in templates/ (tracker/public/templating.py
# says why); the admin's are Django's, its overrides in tracker/templates/.
# Jinja2 comes first: the error pages (404.html, ...) are found there.
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "tracker.public.templating.environment"},
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers queue for the lock at the start of a transaction instead of
    # failing halfway through it when another request writes at the same time.
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
    # Tests use a file, not memory, so that concurrent connections share it
    # and lock it as they do a real database; one per test run, so that two
    # runs in one checkout do not delete each other's.
    DATABASES["default"]["TEST"] = {"NAME": BASE_DIR / f"tests-{os.getpid()}.sqlite3"}

if os.environ.get("REDIS_URL"):
    # The cache is never the source of truth: a Redis that is down or frozen
    # costs a request a fraction of a second, then pages are rendered from
    # the database for a moment (tracker/public/caching.py) and saves go on.
    redis_timeout = float(os.environ.get("REDIS_TIMEOUT", "0.25"))
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "tracker"),
            "OPTIONS": {"socket_connect_timeout": redis_timeout, "socket_timeout": redis_timeout},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# How long a public page may sit in the cache. Edits replace it at once
# (tracker.public.caching); this only bounds memory. 0 turns page caching off.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "600"))
# How often an open page of a developing story asks what changed (tracker/public/updates.py).
LIVE_POLL_SECONDS = int(os.environ.get("LIVE_POLL_SECONDS", "30"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
# Dates and times printed with the language's formats (the admin's) name their zone.
FORMAT_MODULE_PATH = ["newsroom.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# A request's form fields may post 2.5 MB together; an uploaded file does not
# count toward that. A source's archived text longer than that comes as a file
# (tracker.editorial.forms.SourceForm, 10 MB at most), held in memory up to 2.5 MB and
# streamed to a temporary file beyond.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SITE_NAME = os.environ.get("SITE_NAME", "Tracker")
# The public address of the site, for canonical URLs, feeds and shared links:
# a request's Host header is not trusted for that.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Email and the task queue (docs/alerts.md) -------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Tracker <alerts@localhost>")
if DEBUG and not os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"  # printed by the worker
else:
    EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))

# --- Security -------------------------------------------------------------
# Production hardening; development keeps plain HTTP on 127.0.0.1 working.

# How many reverse proxies (load balancer, TLS terminator) stand in front of
# the site. Only then are their X-Forwarded-For and X-Forwarded-Proto headers
# believed; with 0 a client could forge them.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = CSRF_COOKIE_HTTPONLY = True  # no script here needs either cookie
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "tracker.security.csrf_failure"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = 0 if DEBUG else int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# The reviewed list of silenced checks:
# - security.W021 (HSTS preload): asking browsers to preload HSTS commits the
#   whole domain and its subdomains to HTTPS for months and is hard to undo;
#   the domain's owner decides it and sets SECURE_HSTS_PRELOAD=1.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Scripts and styles only from our own files: no inline script or style
# anywhere. Django 5.2's admin needs none (its one inline <style>, in the change
# list, is printed only for a ModelAdmin without action bars; ours all have them).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Admin login throttling (tracker/editorial/lockout.py): after 5 failed logins to one
# account from one client address, that account is refused from that address
# for 15 minutes (HTTP 429, templates/429.html), even with the right password;
# colleagues behind the same office address are not. After 20 failed logins
# to one account from any addresses, the account is refused from everywhere.
# The cool-off runs from the latest failure. Editors can unlock sooner by
# deleting the account's access attempts in the admin.
AXES_FAILURE_LIMIT = 5
LOGIN_FAILURE_LIMIT_PER_ACCOUNT = 20
AXES_COOLOFF_TIME = timedelta(minutes=15)
# Read in this order by tracker.editorial.lockout.LoginThrottle.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_HANDLER = "tracker.editorial.lockout.LoginThrottle"
AXES_LOCKOUT_TEMPLATE = "429.html"
AXES_CLIENT_IP_CALLABLE = "tracker.security.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # tracker.security logs lockouts itself

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Logins, failed logins, lockouts and refusals: always kept.
    "loggers": {"tracker.security": {"level": "INFO"}},
}

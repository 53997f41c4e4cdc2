"""Settings of the Europass portal, all read from the environment.

Defaults work on a fresh machine (SQLite under ``var/``, an embedded filesystem broker, the demo
organisation) and are safe for production: ``DEBUG`` is off unless ``DEBUG=true`` (``make run`` sets it), and with
``DEBUG`` off there is no development secret: ``SECRET_KEY`` and ``KEY_ENCRYPTION_SECRETS`` must be set. Set
``DATABASE_URL`` and ``REDIS_URL`` for PostgreSQL and Redis. No ``.env`` file is read (a stray one must not turn a
server into a development one): the environment comes from the process manager.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import django_stubs_ext
import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
# Under pytest everything lands in var/test, away from a running `make run` (its database, queue, mail).
TESTING: bool = environ.Env().bool("EUROPASS_TESTING", default="pytest" in sys.modules)
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var" / ("test" if TESTING else ""))))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()

DEBUG: bool = env.bool("DEBUG", default=False)
# Development mode (`make run` sets DEBUG=true) or the test suite: the only cases with development secrets (and
# type checking: django-stubs' plugin for mypy loads this module to read the settings' types, never to serve).
DEVELOPMENT: bool = DEBUG or TESTING or "mypy_django_plugin" in sys.modules
_PRODUCTION_HINT = "DEBUG is off (the default; `make run` sets DEBUG=true for development)"

_INSECURE_DEV_KEY = "django-insecure-development-key-never-use-in-production"
SECRET_KEY: str = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEVELOPMENT:
        raise ImproperlyConfigured(f"SECRET_KEY must be set: {_PRODUCTION_HINT}.")
    SECRET_KEY = _INSECURE_DEV_KEY

# Secrets that encrypt organisations' private keys at rest. The first encrypts, all decrypt: to rotate,
# put a new secret first and run ``manage.py eseal_rotate_keys``.
KEY_ENCRYPTION_SECRETS: list[str] = env.list("KEY_ENCRYPTION_SECRETS", default=[])
if not KEY_ENCRYPTION_SECRETS:
    if not DEVELOPMENT:
        raise ImproperlyConfigured(f"KEY_ENCRYPTION_SECRETS must be set: {_PRODUCTION_HINT}.")
    KEY_ENCRYPTION_SECRETS = ["development-only-key-encryption-secret"]

ALLOWED_HOSTS: list[str] = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL: str = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files: no CDN, works offline
    "allauth",
    "allauth.account",
    "europass.core",
    "europass.accounts",
    "europass.registry",
    "europass.status",
    "issuing",
    "wallet",
    "verification",
]
SITE_ID = 1

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "europass.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "europass.accounts.middleware.LoginThrottleMiddleware",
]
# Development mode shows the site's own error pages (404, 500...) as visitors see them in production, the traceback
# going to the console; DEBUG_TECHNICAL_ERRORS=true shows Django's technical pages instead. Does nothing with DEBUG
# off. Last: inside CommonMiddleware (APPEND_SLASH) and authentication (europass.core.error_pages).
DEBUG_TECHNICAL_ERRORS: bool = env.bool("DEBUG_TECHNICAL_ERRORS", default=False)
MIDDLEWARE.append("europass.core.error_pages.SiteErrorPagesMiddleware")

ROOT_URLCONF = "europass.urls"
WSGI_APPLICATION = "europass.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "europass.core.context_processors.portal",
            ],
        },
    },
]
# Every form with an error summary first and its fields marked (europass.core.forms).
FORM_RENDERER = "europass.core.forms.PortalFormRenderer"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the worker write side by side; the timeout absorbs short lock waits.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    # Tests that start a real worker process need the test database in a file it can open too.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
# Connections are kept between requests (opening one per request costs more than a verification's queries).
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL: str = env.str("REDIS_URL", default="")
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Files under var/, shared by the processes of this machine, with atomic add/incr (rate limits count exactly).
    # Several machines need Redis. MAX_ENTRIES is high so that rate-limit counters are not culled under load.
    CACHES = {
        "default": {
            "BACKEND": "europass.core.cache.AtomicFileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": env.int("FILE_CACHE_MAX_ENTRIES", default=20_000)},
        }
    }

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out client before any password is checked (europass.accounts.throttling).
    "europass.accounts.throttling.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
# After signing in without a `next`: the user's own area (issuing or wallet), chosen by the account adapter
# (europass.accounts.adapter.landing_url); this is only the fallback of Django's own login views.
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# django-allauth: email is the login, citizens verify their email before signing in.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_ADAPTER = "europass.accounts.adapter.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Europass] "
# allauth's other limits (sign-up, password reset...) stay on, per client as every rate limit sees it (the adapter's
# get_client_ip); failed sign-ins are the portal's own lockout, the same for allauth's page and the admin's.
ACCOUNT_RATE_LIMITS = False if TESTING else {"login_failed": None}
# Sign-in lockout (europass.accounts.throttling): failures counted over LOGIN_LOCKOUT_SECONDS; a client is locked out
# of an account after LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT, of every account after LOGIN_FAILURES_PER_CLIENT; an
# account that failed LOGIN_FAILURES_PER_ACCOUNT times (from anywhere) locks out each further failing client at once.
LOGIN_LOCKOUT_SECONDS: int = env.int("LOGIN_LOCKOUT_SECONDS", default=900)
LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT: int = env.int("LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT", default=5)
LOGIN_FAILURES_PER_CLIENT: int = env.int("LOGIN_FAILURES_PER_CLIENT", default=50)
LOGIN_FAILURES_PER_ACCOUNT: int = env.int("LOGIN_FAILURES_PER_ACCOUNT", default=20)

EMAIL_BACKEND: str = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if env.str("EMAIL_HOST", default="")
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST: str = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT: int = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER: str = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD: str = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS: bool = env.bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL: str = env.str("DEFAULT_FROM_EMAIL", default="Europass portal <no-reply@europass.test>")

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True
# One way to write dates per language (europass/formats/<lang>/formats.py): "2 December 2026" / "2 décembre 2026".
FORMAT_MODULE_PATH = ["europass.formats"]

STATIC_URL = "/static/"
# Collected static files. The Docker image keeps them in the image (STATIC_ROOT=/app/staticfiles), not on the data
# volume, so that a new image never serves the previous release's files.
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEVELOPMENT
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Source maps (the API documentation's bundles) are for browser developer tools only: served as they are, not
# compressed, which was most of the time `collectstatic` took.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=12 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Security: strict when DEBUG is off (the suite runs with the development defaults; its tests of these settings
# start the settings in a separate process).
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEVELOPMENT:
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = False
CONTENT_SECURITY_POLICY: str = env.str(
    "CONTENT_SECURITY_POLICY",
    default="default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'",
)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "europass.core.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "verify": env.str("VERIFY_API_RATE", default="600/min"),
        # Per citizen (page and API together): uploads are verified, and a citizen's wallet is theirs to fill.
        "wallet_upload": env.str("WALLET_UPLOAD_RATE", default="60/hour"),
        # Per client: a PDF carrying a share link is rendered on each download (it is never stored).
        "wallet_share_pdf": env.str("WALLET_SHARE_PDF_RATE", default="30/min"),
        # Per client, beside "verify": each render of a verification report's PDF (about half a second of CPU).
        "report_pdf": env.str("REPORT_PDF_RATE", default="20/min"),
    },
    # Who a client is, for rate limits: the socket address unless NUM_PROXIES trusted proxies sit in front
    # (then the matching X-Forwarded-For entry). Never the raw header: it is the client's to forge.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Europass digital credentials portal API",
    "DESCRIPTION": """Issue, keep, share and verify Europass digital credentials.

## Who may call what

- **Verification** (`POST /api/v1/verify`) is anonymous, rate-limited per client.
- **Issuing** is for the staff of an awarding body (its batches and credentials only), **Wallet** for citizens (their
  own wallet only). Each request acts as one account of the portal, authenticated in one of two ways.

## A token (scripts, other systems)

Send the account's token in every request:

```
curl -H "Authorization: Token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b" \\
  https://portal.example/api/v1/issuing/batches
```

There is no endpoint that trades a password for a token: a platform administrator creates it, on the command line
with `python manage.py drf_create_token EMAIL` (it prints the key; `--reset` replaces the key, the old one stops
working at once), or in the administration site (`/admin/`, *Auth Token › Tokens › Add token*, choosing the account).
A token does not expire: keep it as secret as a password, and reset it when it may have leaked. An answer `401` means
no token or a wrong one; `403` (or `404`) that the account may not see what was asked.

## The session of a browser

Signed in to the portal in the same browser, "Try it out" on this page works with that session (the page sends the
CSRF token that requests which change something need).
""",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No deep links: Swagger UI puts them inside each operation's button (nested interactive controls, WCAG 4.1.2).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    # One section per face, in this order (europass.core.api_schema puts each operation in its face's section).
    "TAGS": [
        {"name": "Verification", "description": "Verify a credential: anyone, no account."},
        {"name": "Issuing", "description": "Awarding bodies' staff: sheets, batches, credentials."},
        {"name": "Wallet", "description": "Citizens: their credentials, downloads and share links."},
        {"name": "Register", "description": "The register of qualifications and awarding bodies."},
        {"name": "Status", "description": "Revocation status lists."},
    ],
    "ENUM_NAME_OVERRIDES": {"BatchStatusEnum": "issuing.models.Batch.Status"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "europass.core.api_schema.tag_operations",
    ],
}

# Celery: BROKER_URL when set (e.g. RabbitMQ, amqp://user:password@host:5672/vhost), else Redis when REDIS_URL is
# set, else an embedded filesystem broker under var/ (a real queue, consumed by a real worker process: never eager
# outside unit tests). Results and the cache stay on Redis when REDIS_URL is set.
BROKER_DIR = VAR_DIR / "broker"
BROKER_URL: str = env.str("BROKER_URL", default="")
CELERY_BROKER_URL: str = BROKER_URL or REDIS_URL or "filesystem://localhost/"
CELERY_RESULT_BACKEND: str = REDIS_URL or f"db+sqlite:///{VAR_DIR / 'celery-results.sqlite3'}"
if BROKER_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
elif not REDIS_URL:
    for sub in ("queue", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.05,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 300}
ISSUING_CHUNK_SIZE: int = env.int("ISSUING_CHUNK_SIZE", default=500)  # the largest chunk (batches.chunk_size)
# Wallet: how many credentials a citizen may upload (those issued to them do not count).
WALLET_MAX_UPLOADED_CREDENTIALS: int = env.int("WALLET_MAX_UPLOADED_CREDENTIALS", default=500)
# How long batch zips of XML and PDF are kept.
ISSUING_EXPORT_KEEP_DAYS: int = env.int("ISSUING_EXPORT_KEEP_DAYS", default=7)
# Batch zips of XML and PDF, written by the workers and read by the web server: a folder both share, never served
# as static or media files (downloads go through a view that checks who asks).
ISSUING_EXPORT_DIR = Path(env.str("ISSUING_EXPORT_DIR", default=str(VAR_DIR / "exports")))
# Spreadsheet limits, enforced before the whole file is read.
SHEET_MAX_BYTES: int = env.int("SHEET_MAX_BYTES", default=20 * 1024 * 1024)
SHEET_MAX_ROWS: int = env.int("SHEET_MAX_ROWS", default=50_000)
SHEET_MAX_CELLS: int = env.int("SHEET_MAX_CELLS", default=2_000_000)
SHEET_MAX_COLUMNS: int = env.int("SHEET_MAX_COLUMNS", default=1_000)
SHEET_MAX_TEXT: int = env.int("SHEET_MAX_TEXT", default=32 * 1024 * 1024)
SHEET_MAX_UNCOMPRESSED: int = env.int("SHEET_MAX_UNCOMPRESSED", default=200 * 1024 * 1024)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes the database connection before and after every task unless told to reuse it: a new
# PostgreSQL connection (a new server process, its caches cold) for every chunk. Reused for 100 tasks, checked by
# CONN_HEALTH_CHECKS before each use and closed after CONN_MAX_AGE as in the web processes.
CELERY_DB_REUSE_MAX: int = env.int("CELERY_DB_REUSE_MAX", default=100)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Credentials: the official XSDs ship in europass/credentials/xsd/; files in this directory (optional) override them.
EUROPASS_SCHEMA_DIR: str = env.str("EUROPASS_SCHEMA_DIR", default="")
TSA_URL: str = env.str("TSA_URL", default="")
# The level of every seal, both formats (ETSI baseline levels): B-B (no time-stamp), B-T (a time-stamp from TSA_URL),
# B-LT (and the chain's certificates and revocation values, fetched from its CRL / OCSP addresses at sealing),
# B-LTA (and an archive time-stamp). Empty: B-T when TSA_URL is set, else B-B.
SEAL_LEVEL: str = env.str("SEAL_LEVEL", default="").strip().upper()
if SEAL_LEVEL not in ("", "B-B", "B-T", "B-LT", "B-LTA"):
    raise ImproperlyConfigured(f"SEAL_LEVEL must be B-B, B-T, B-LT or B-LTA (or empty), not {SEAL_LEVEL!r}.")
if SEAL_LEVEL in ("B-T", "B-LT", "B-LTA") and not TSA_URL:
    raise ImproperlyConfigured(f"SEAL_LEVEL={SEAL_LEVEL} needs a time-stamping authority: set TSA_URL.")
# E-seal keys in devices, configured by an organisation's administrator on its e-seal page: the PKCS#11 modules they
# may choose (the operator installs them), and the prefix of the environment variables that may hold a PIN or a
# client secret (so that a page cannot send another setting, SECRET_KEY say, to a remote service). The command line
# (the operator) is not limited by either.
PKCS11_MODULES: list[str] = env.list("PKCS11_MODULES", default=[])
SEAL_SECRET_ENV_PREFIX: str = env.str("SEAL_SECRET_ENV_PREFIX", default="EUROPASS_SEAL_")
# The demo users' password: a known default only in development mode.
DEMO_PASSWORD: str = env.str("DEMO_PASSWORD", default="demo-password" if DEVELOPMENT else "")

# Verification: what a verifier accepts, and how status lists published elsewhere are fetched.
VERIFY_MAX_UPLOAD_BYTES: int = env.int("VERIFY_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
VERIFY_MAX_XML_BYTES: int = env.int("VERIFY_MAX_XML_BYTES", default=10 * 1024 * 1024)
# The verify page keeps each report (never the submission) for its downloads and language switch: this long, this
# large at most (compressed), and its rendered PDFs up to this size.
VERIFY_REPORT_SECONDS: int = env.int("VERIFY_REPORT_SECONDS", default=900)
VERIFY_REPORT_MAX_BYTES: int = env.int("VERIFY_REPORT_MAX_BYTES", default=256 * 1024)
VERIFY_REPORT_PDF_MAX_BYTES: int = env.int("VERIFY_REPORT_PDF_MAX_BYTES", default=2 * 1024 * 1024)
# The bytes of a verified credential's attachments, kept beside its report for their downloads (all together).
VERIFY_ATTACHMENTS_MAX_BYTES: int = env.int("VERIFY_ATTACHMENTS_MAX_BYTES", default=4 * 1024 * 1024)
# /healthz asks the workers at most once per this many seconds (across processes); in between it reuses the answer.
HEALTH_PING_SECONDS: int = env.int("HEALTH_PING_SECONDS", default=30)
FETCH_TIMEOUT_SECONDS: float = env.float("FETCH_TIMEOUT_SECONDS", default=3.0)
FETCH_MAX_BYTES: int = env.int("FETCH_MAX_BYTES", default=1024 * 1024)
# Never on in production: lets the status fetcher reach loopback and private addresses (tests, closed networks).
FETCH_ALLOW_PRIVATE_ADDRESSES: bool = env.bool("FETCH_ALLOW_PRIVATE_ADDRESSES", default=False)
# Seal certificates' CRLs / OCSP answers fetched when a seal carries none: size cap and how long they are kept.
REVOCATION_MAX_BYTES: int = env.int("REVOCATION_MAX_BYTES", default=5 * 1024 * 1024)
REVOCATION_CACHE_SECONDS: int = env.int("REVOCATION_CACHE_SECONDS", default=3600)
STATUS_CACHE_SECONDS: int = env.int("STATUS_CACHE_SECONDS", default=300)

# EU trusted lists (verification.trusted_lists): the EU List of Trusted Lists at its official address, its signature
# checked against the certificates the Official Journal published for it (shipped; the pivot LOTLs announce later
# ones), then every national list it points to. Fetched through the guarded fetcher, daily by Celery beat.
TRUSTED_LIST_SYNC_ENABLED: bool = env.bool("TRUSTED_LIST_SYNC_ENABLED", default=True)
TRUSTED_LIST_LOTL_URL: str = env.str(
    "TRUSTED_LIST_LOTL_URL", default="https://ec.europa.eu/tools/lotl/eu-lotl.xml"
)
TRUSTED_LIST_LOTL_SIGNERS: str = env.str(
    "TRUSTED_LIST_LOTL_SIGNERS",
    default=str(BASE_DIR / "europass" / "registry" / "trust" / "oj-lotl-signers.pem"),
)
# The Official Journal publication the shipped signers come from: a LOTL naming another one is reported.
TRUSTED_LIST_OJ_URL: str = env.str(
    "TRUSTED_LIST_OJ_URL",
    default="https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=uriserv:OJ.C_.2019.276.01.0001.01.ENG",
)
TRUSTED_LIST_MAX_BYTES: int = env.int("TRUSTED_LIST_MAX_BYTES", default=32 * 1024 * 1024)
TRUSTED_LIST_FETCH_TIMEOUT_SECONDS: float = env.float("TRUSTED_LIST_FETCH_TIMEOUT_SECONDS", default=30.0)
TRUSTED_LIST_MAX_PIVOTS: int = env.int("TRUSTED_LIST_MAX_PIVOTS", default=16)
# Daily at this UTC time; besides, every TRUSTED_LIST_SYNC_CHECK_SECONDS (and when beat starts) a sync runs if none
# succeeded for TRUSTED_LIST_SYNC_INTERVAL_SECONDS and none was tried for TRUSTED_LIST_SYNC_RETRY_SECONDS: a fresh
# install syncs a minute after beat starts, a missed or failed day is caught up.
TRUSTED_LIST_SYNC_TIME: str = env.str("TRUSTED_LIST_SYNC_TIME", default="03:17")
TRUSTED_LIST_SYNC_INTERVAL_SECONDS: int = env.int("TRUSTED_LIST_SYNC_INTERVAL_SECONDS", default=86400)
TRUSTED_LIST_SYNC_RETRY_SECONDS: int = env.int("TRUSTED_LIST_SYNC_RETRY_SECONDS", default=3600)
TRUSTED_LIST_SYNC_CHECK_SECONDS: int = env.int("TRUSTED_LIST_SYNC_CHECK_SECONDS", default=900)
TRUSTED_LIST_SYNC_LOCK_SECONDS: int = env.int("TRUSTED_LIST_SYNC_LOCK_SECONDS", default=3600)
# /healthz: no successful sync yet is "pending" for this long after install, then a failure; so is a last
# successful sync older than TRUSTED_LIST_MAX_AGE_SECONDS. Disabled syncs are never a failure.
TRUSTED_LIST_HEALTH_GRACE_SECONDS: int = env.int("TRUSTED_LIST_HEALTH_GRACE_SECONDS", default=6 * 3600)
TRUSTED_LIST_MAX_AGE_SECONDS: int = env.int("TRUSTED_LIST_MAX_AGE_SECONDS", default=7 * 86400)
_sync_hour, _colon, _sync_minute = TRUSTED_LIST_SYNC_TIME.partition(":")
CELERY_BEAT_SCHEDULE: dict[str, dict[str, Any]] = (
    {
        "trusted-list-sync-daily": {
            "task": "verification.trusted_list_sync",
            "schedule": crontab(hour=_sync_hour or "3", minute=_sync_minute or "17"),
        },
        "trusted-list-sync-if-due": {
            "task": "verification.trusted_list_sync_if_due",
            "schedule": float(TRUSTED_LIST_SYNC_CHECK_SECONDS),
        },
    }
    if TRUSTED_LIST_SYNC_ENABLED
    else {}
)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = "UTC"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

"""Settings shared by every environment; everything comes from environment variables.

Defaults give the embedded first-look set-up: SQLite, Celery tasks executed eagerly in
process, e-mails written as .eml files to var/mail/.
"""

import datetime
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-local-development-key-change-me")
# Old keys, still accepted while a new DJANGO_SECRET_KEY takes over (docs/operations.md).
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# A form sent with a stale token gets our 403 page (layout, reader's language, a way back).
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "csp",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "core",
    "institutions",
    "mediators",
    "bookings",
    "notifications",
    "web",
    "accounts",
    "demo",
    "ops",
]

MIDDLEWARE = [
    # Outermost: the request id (X-Request-ID) for every log line, then the latency metric.
    "ops.requestid.RequestIdMiddleware",
    "ops.metrics.MetricsMiddleware",
    # An unreachable database or broker answers 503 with Retry-After (ops/outages.py).
    "ops.outages.OutageMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.security.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "web.middleware.PageLanguageMiddleware",
    "config.middleware.NulCharacterGuard",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.security.SessionLifetimeMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The signed-in person's key for the service worker's offline copies (web/offline.py).
    "web.offline.OfflineKeyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a locked-out sign-in (any view that called authenticate()) into the
    # lock-out answer (accounts.lockout.lockout_response).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "web.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections, the same in every process (web requests and Celery tasks, see
# config/celery_app.py): kept DATABASE_CONN_MAX_AGE seconds (0: one per request or task) and
# checked before reuse. ``?conn_max_age=`` in DATABASE_URL wins.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=0))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# PostgreSQL plans the joins of a statement three at a time (``join_collapse_limit``, 8 by
# default). A booking read with its institution, place, language, pool and the rest joins 7
# to 10 tables by key, in the one order that makes sense; searching every order of them took
# 1.3-3 ms of planning per statement against 0.1-0.9 ms of execution, and 0.3-0.7 ms with 3,
# the plans unchanged (docs/operations.md, "What a request costs"). The eligibility statement
# plans faster and runs no slower with 3; with 1 or 2 it ran twice as long. Options given in
# DATABASE_URL (``?options=...``) win.
PG_JOIN_COLLAPSE_LIMIT = 3
# Prepared statements: psycopg sends a statement and its parameters apart (server-side
# binding) and prepares a statement once it has run it ``PG_PREPARE_THRESHOLD`` times on a
# connection (2, not psycopg's 5: preparing costs one more message, and a statement whose
# text varies with its parameters - an IN list of another length - may not run five times
# in a connection's life: DATABASE_CONN_MAX_AGE, 60 s in docker-compose.yml, and at most a
# web worker's 2,000 requests), keeping the 100 it used last, so PostgreSQL
# parses a statement of the same shape once per connection and soon keeps one plan for it
# instead of planning it on every request.
# Django turns both off by default, for connection poolers in transaction mode; this
# installation has none. Measured (``make bench BENCH=prepared``, and the load test, see
# docs/operations.md, "Prepared statements"): PostgreSQL's CPU per request a third or more
# lower.
# ``DATABASE_PREPARED_STATEMENTS=false`` turns them off (e.g. behind such a pooler).
PG_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
PG_PREPARE_THRESHOLD = 2
# A pool of connections per process (Django's own, psycopg_pool) instead of the one connection
# a process keeps: for gunicorn's gevent worker, which serves many requests at once in one
# thread and would otherwise open a connection for each request in flight (config/gunicorn.py
# sets it for that worker only; measured, not chosen: docs/operations.md, "gunicorn"). At most
# DATABASE_POOL_SIZE connections per process, each kept with its prepared statements; a
# request that waits longer than DATABASE_POOL_TIMEOUT seconds for one fails as when the
# database cannot be reached (psycopg's PoolTimeout is an OperationalError). 0, the default:
# no pool.
DATABASE_POOL_SIZE = env.int("DATABASE_POOL_SIZE", default=0)
if DATABASE_POOL_SIZE < 0:
    raise ImproperlyConfigured(
        f"DATABASE_POOL_SIZE must be 0 (no pool) or more; got {DATABASE_POOL_SIZE}."
    )
DATABASE_POOL_TIMEOUT = 20  # below gunicorn's 30 s timeout
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["OPTIONS"] = {
        "options": f"-c join_collapse_limit={PG_JOIN_COLLAPSE_LIMIT}",
        **(
            {"server_side_binding": True, "prepare_threshold": PG_PREPARE_THRESHOLD}
            if PG_PREPARED_STATEMENTS
            else {}
        ),
        **DATABASES["default"].get("OPTIONS", {}),
    }
    if DATABASE_POOL_SIZE > 0:
        # The pool keeps the connections; Django refuses a pool with persistent connections.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": DATABASE_POOL_SIZE,
            "max_size": DATABASE_POOL_SIZE,
            "timeout": DATABASE_POOL_TIMEOUT,
        }
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded first-look set-up: SQLite ignores a covering index's INCLUDE columns (a
    # statistics speed-up) and NULLS NOT DISTINCT (a language listed twice, which the
    # mediators service refuses anyway). Both are PostgreSQL features; no need to warn.
    SILENCED_SYSTEM_CHECKS = ["models.W040", "models.W047"]
    # Concurrent requests (two mediators accepting one booking at once): every transaction
    # takes the write lock when it begins (select_for_update is a no-op on SQLite), so a second
    # writer waits up to "timeout" seconds for the first to commit and then reads the fresh
    # state: 409, not "database is locked" (500). WAL lets readers go on while one writes; an
    # in-memory database (the tests') keeps its "memory" journal. Options given in
    # DATABASE_URL (``?timeout=30``) win.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        **DATABASES["default"].get("OPTIONS", {}),
    }

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that does not answer fails fast (the throttles then count locally).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in security (README, "Security"). django-axes checks every authenticate() call (the
# pages' and the admin's sign-in, the API token) and counts failures per account and per
# client address; accounts/lockout.py adds the back-off and answers a locked-out attempt.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, the signed-in user read with their roles in one query.
    "accounts.backends.RoleModelBackend",
]
# How many reverse proxies we run in front of the app: only their X-Forwarded-For entries
# are believed (core/client_address.py). 0: the TCP peer is the client. DRF's NUM_PROXIES
# (the API throttles) follows it.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Lock-out: LOCKOUT_ACCOUNT_FAILURES failed attempts for one account (from anywhere), or
# LOCKOUT_ADDRESS_FAILURES from one client address (for any accounts), lock for
# LOCKOUT_MINUTES; every further failure after that doubles the time, up to
# LOCKOUT_MAX_HOURS. Failures are forgotten LOCKOUT_MEMORY_HOURS after the last one, when a
# coordinator lifts the lock-out, or (for the account) after a successful sign-in from the
# same address or a password reset.
LOCKOUT_ACCOUNT_FAILURES = env.int("LOCKOUT_ACCOUNT_FAILURES", default=5)
LOCKOUT_ADDRESS_FAILURES = env.int("LOCKOUT_ADDRESS_FAILURES", default=20)
LOCKOUT_MINUTES = env.int("LOCKOUT_MINUTES", default=15)
LOCKOUT_MAX_HOURS = env.int("LOCKOUT_MAX_HOURS", default=24)
LOCKOUT_MEMORY_HOURS = env.int("LOCKOUT_MEMORY_HOURS", default=24)
AXES_HANDLER = "accounts.lockout.LockoutHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = LOCKOUT_ACCOUNT_FAILURES
AXES_COOLOFF_TIME = datetime.timedelta(hours=LOCKOUT_MEMORY_HOURS)
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "core.client_address.client_address"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_VERBOSE = False
# Two-factor sign-in (django-otp, TOTP with recovery codes): required for coordinators and
# anyone with admin access, optional for everyone else (accounts/second_factor.py). The
# accounts load_demo creates are exempt only where this is on (config.settings.local);
# production.py pins it off.
MFA_DEMO_EXEMPTION = env.bool("MFA_DEMO_EXEMPTION", default=False)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Sprachmittlerpool")
SECOND_FACTOR_TOKEN_CHECK = "accounts.api.token_second_factor_check"  # noqa: S105  # a dotted path  # nosec B105
# What axes never writes into its records of a failed attempt (it keeps the form's fields).
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "email",
    "otp",
    "code",
    "new_password1",
    "new_password2",
    "old_password",
]

LANGUAGE_CODE = "de"
LANGUAGES = [
    ("de", _("German")),
    ("en", _("English")),
    ("ar", _("Arabic")),
    ("fa", _("Persian")),
    ("uk", _("Ukrainian")),
    ("tr", _("Turkish")),
]
# Institution, coordinator and API pages come in these; mediator pages in all LANGUAGES.
STAFF_LANGUAGES = ["de", "en"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# E-mail: .eml files in var/mail/ unless an SMTP server is configured.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_HOST = env("EMAIL_HOST", default="127.0.0.1")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="sprachmittlerpool@localhost")

# Celery: eager in-process unless a broker is configured.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Europe/Berlin"
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
# A worker whose Redis went away (restarted, failed over) reconnects for as long as it takes,
# instead of exiting after Celery's default of 100 attempts (make faults, redis_restart).
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A delivery running when the broker connection drops finishes its SMTP conversation and
# records the result; cancelling it could cut a message the server had already accepted and
# so send it twice. Its acknowledgement is lost with the connection; should the task come
# back, the claim (pending -> sending) finds the row done and sends nothing. Said explicitly:
# Celery 6 changes the default.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Queueing a task waits at most about a second for a broker that is down (then the request
# carries on, see config/queue.py; the sweeps below send what was not queued).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Workers and beat log through LOGGING below (JSON lines with the request id in production),
# not through a handler of Celery's own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.3,
    "interval_max": 0.5,
}
# Celery's Django fixup closes the database connection around every task unless this is set;
# with persistent connections the worker closes them as Django does around each request.
CELERY_DB_REUSE_MAX = 1000 if DATABASES["default"]["CONN_MAX_AGE"] else None
# Every 20 s (NOTIFICATIONS_SWEEP_SECONDS), with a 30 s grace
# (NOTIFICATIONS_PENDING_GRACE_SECONDS): a delivery whose task was lost (Redis restarted
# without its data) goes out again within 30 + 20 s. The fault tests' smoke run shortens both.
NOTIFICATIONS_SWEEP_SECONDS = env.float("NOTIFICATIONS_SWEEP_SECONDS", default=20.0)
CELERY_BEAT_SCHEDULE: dict = {
    "notifications-sweep-outbox": {
        "task": "notifications.tasks.sweep_outbox",
        "schedule": NOTIFICATIONS_SWEEP_SECONDS,
        "options": {"expires": max(NOTIFICATIONS_SWEEP_SECONDS - 2, 1)},
    },
    "notifications-prune": {"task": "notifications.tasks.prune_messages", "schedule": 86400.0},
    # The bookings' periodic messages (bookings/messages/periodic.py).
    "bookings-reminders": {"task": "bookings.tasks.send_reminders", "schedule": 600.0},
    "bookings-report-requests": {
        "task": "bookings.tasks.send_report_requests",
        "schedule": 3600.0,
    },
}
# The heartbeat of beat and a worker (core/heartbeat.py), read by /healthz and the work list.
CELERY_BEAT_SCHEDULE["ops-heartbeat"] = {"task": "ops.tasks.heartbeat", "schedule": 60.0}
# Privacy: every night, the bookings older than their pool's retention period lose their
# personal data (bookings/privacy/retention.py).
CELERY_BEAT_SCHEDULE["bookings-retention"] = {
    "task": "bookings.tasks.anonymise_expired_bookings",
    "schedule": crontab(hour=3, minute=17),
}
# Privacy: decided applications to become a mediator are deleted after 30 days, undecided ones
# after 180 (mediators/applications/services.py).
CELERY_BEAT_SCHEDULE["mediators-applications-purge"] = {
    "task": "mediators.tasks.purge_applications",
    "schedule": crontab(hour=3, minute=47),
}
# Matching: offer expiry, deadlines, stranded bookings, standbys (bookings/services/sweep.py).
CELERY_BEAT_SCHEDULE["matching-sweep"] = {
    "task": "bookings.tasks.matching_sweep_task",
    "schedule": 60.0,
    "options": {"expires": 55},
}

# Notifications: outbox delivery (see notifications/constants.py for every default).
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=6)
NOTIFICATIONS_RETRY_BASE_SECONDS = env.int("NOTIFICATIONS_RETRY_BASE_SECONDS", default=60)
NOTIFICATIONS_LEASE_SECONDS = env.int("NOTIFICATIONS_LEASE_SECONDS", default=300)
NOTIFICATIONS_PENDING_GRACE_SECONDS = env.int("NOTIFICATIONS_PENDING_GRACE_SECONDS", default=30)
NOTIFICATIONS_UID_DOMAIN = env("NOTIFICATIONS_UID_DOMAIN", default="")
NOTIFICATIONS_KEEP_DAYS = env.int("NOTIFICATIONS_KEEP_DAYS", default=180)
# Web Push to the mediators' devices (notifications.push): on when all three are set;
# `manage.py vapid_keys` makes a key pair. The subject is a mailto: (or https:) contact the
# push services can reach.
VAPID_PRIVATE_KEY = env("VAPID_PRIVATE_KEY", default="")
VAPID_PUBLIC_KEY = env("VAPID_PUBLIC_KEY", default="")
VAPID_SUBJECT = env("VAPID_SUBJECT", default="")
# Only for tests: origins of local push endpoints the worker may post to (plain http,
# loopback), which notifications.push otherwise refuses.
PUSH_EXTRA_ENDPOINT_ORIGINS = env.list("PUSH_EXTRA_ENDPOINT_ORIGINS", default=[])
# New accounts (staff, mediators) are invited to choose a password by this service, which
# writes the e-mail to the outbox; institutions and mediators call it through core.invitations.
ACCOUNT_INVITATION_SERVICE = "notifications.services.account_invitation_notify"
# The coordinators' answer to an application to become a mediator (mediators.applications).
APPLICANT_MESSAGE_SERVICE = "notifications.services.applicant_message_notify"
# The public application form: at most this many applications per client address (the
# trusted proxies' address, core.client_address) and hour; more answer 429.
MEDIATOR_APPLICATION_RATE = env("MEDIATOR_APPLICATION_RATE", default="5/hour")
# Bulk reads of personal data (lists, exports, feeds, admin pages) are written to the access
# log by this service; every layer calls it through core.read_log.
READ_LOG_SERVICE = "bookings.services.access_log.access_log_list"

# Sessions: 30 minutes without a request end them, 12 hours after sign-in at the latest,
# whatever the activity (config.security). The expiry moves on when a request comes more
# than SESSION_REFRESH_SECONDS after it last moved (not on every request: a write each time),
# so an idle session ends between SESSION_IDLE_SECONDS minus SESSION_REFRESH_SECONDS and
# SESSION_IDLE_SECONDS after its last request - never later.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_REFRESH_SECONDS = env.int("SESSION_REFRESH_SECONDS", default=60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Content-Security-Policy (django-csp) in every environment, the demo and the tests included:
# scripts and styles only from files of this site, no inline <script>, no style="" and no
# <style> (chart data travels in a json_script block, which is data, not script). The API
# docs pages (Swagger UI, Redoc) get what they need on those pages alone (config/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Browser features the pages never use are switched off (config.security).
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "camera": [],
    "display-capture": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "publickey-credentials-get": ["self"],
    "usb": [],
}

# API tokens (django-rest-knox): only a hash (SHA-512) of each token is stored; a token
# expires API_TOKEN_TTL_DAYS after it was issued; every POST /api/v1/auth/token/ issues a
# new one; a password change or reset and a pause revoke them all (core.credentials).
REST_KNOX = {
    "TOKEN_TTL": datetime.timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=30)),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
# The OpenAPI schema and its docs pages need a signed-in user unless this is on.
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=False)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # knox's, the token's user read with their roles in one query (config/api/tokens.py).
        "config.api.tokens.RoleTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.Pagination",
    "DEFAULT_PARSER_CLASSES": [
        "config.api.parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    # The client address of the throttles: the same trusted proxies as the lock-out's.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "config.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "config.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "config.api.throttles.AnonThrottle",
        "config.api.throttles.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="60/minute"),
        "user": env("API_THROTTLE_USER", default="1200/minute"),
        "auth": env("API_THROTTLE_AUTH", default="10/minute"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Sprachmittlerpool API",
    "DESCRIPTION": "REST API v1 for institutions, mediators and coordinators of a pool of "
    "volunteer language mediators. Sign in with POST /api/v1/auth/token/ (a new token each "
    "time) and send `Authorization: Token <token>`. Tokens expire after API_TOKEN_TTL_DAYS "
    "(30) days; DELETE /api/v1/auth/token/ revokes the current one, /api/v1/auth/tokens/ "
    "lists and revokes the caller's own. A password change or reset, or a pause, revokes "
    "them all.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation documents its error answers too (400, 401, 403, 404, 409, 429, ...).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api.schema.document_errors",
    ],
    # Swagger UI and Redoc are served locally (no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "BookingStatusEnum": "bookings.constants.Status",
        "AppointmentKindEnum": "bookings.constants.AppointmentKind",
        "TopicEnum": "core.constants.Topic",
        "ActorRoleEnum": "core.constants.ActorRole",
        "InstitutionKindEnum": "institutions.constants.InstitutionKind",
        "PlanStatusEnum": "bookings.planner.models.PlanStatus",
        "PlanItemOutcomeEnum": "bookings.planner.models.PlanItemOutcome",
        "AllowanceKindEnum": "bookings.constants.AllowanceKind",
        "TaxFreeStateEnum": "bookings.constants.TaxFreeState",
        "RescheduleOutcomeEnum": "bookings.constants.RescheduleOutcome",
        "ReleaseReasonEnum": "bookings.constants.ReleaseReason",
    },
}

# /metrics answers only with "Authorization: Bearer <METRICS_TOKEN>"; unset, it is a 404.
METRICS_TOKEN = env("METRICS_TOKEN", default="")

# Logs: one line per record on stderr. LOG_FORMAT=json (production's default) writes JSON
# lines with the request id and the user's number (ops/requestid.py), never a name or an
# address; "text" is for a terminal. The access line per request (ops.access) is on in
# production (LOG_ACCESS), off elsewhere (runserver prints its own).
LOG_FORMAT = env("LOG_FORMAT", default="text")
LOG_ACCESS = env.bool("LOG_ACCESS", default=False)


def logging_config(log_format: str, access: bool) -> dict:
    formatters = {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(user_id)s",
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request": {"()": "ops.requestid.RequestContextFilter"}},
        "formatters": formatters,
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["request"],
                "formatter": "json" if log_format == "json" else "text",
            }
        },
        "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
        "loggers": {"ops.access": {"level": "INFO" if access else "WARNING"}},
    }


LOGGING = logging_config(LOG_FORMAT, LOG_ACCESS)

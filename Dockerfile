# Production image: gunicorn for the web; the same image runs the Celery workers and beat (docker-compose.yml).
# Installed as the production smoke of CI installs (bin/smoke-production): bin/install-production, from the lock;
# every process started by bin/production, as the unprivileged user europass, who writes only in VAR_DIR.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DEBUG=false VAR_DIR=/var/lib/europass STATIC_ROOT=/app/staticfiles PORT=8000
# Run-time libraries only: every locked package installs from a wheel (bin/install-production: --only-binary).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libxmlsec1 libxmlsec1-openssl libxml2 libpango-1.0-0 \
    libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core gettext \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# The locked dependencies first (a layer of their own, kept while the lock does not change), then the portal.
COPY bin/install-production bin/
COPY requirements ./requirements
RUN bin/install-production --deps
COPY pyproject.toml README.md ./
COPY europass ./europass
COPY issuing ./issuing
COPY wallet ./wallet
COPY verification ./verification
RUN bin/install-production --app
COPY . .
# Built as root, read-only at run time: the static files (STATIC_ROOT) and the French catalogue. The build's own
# VAR_DIR is thrown away; the data folder belongs to the runtime user (its volume: exports, media, mail, beat state).
RUN useradd --system --home-dir /app --shell /usr/sbin/nologin europass \
 && mkdir -p "$VAR_DIR" && chown europass:europass "$VAR_DIR" \
 && SECRET_KEY=build KEY_ENCRYPTION_SECRETS=build VAR_DIR=/tmp/build-var bin/production build \
 && rm -rf /tmp/build-var
USER europass
EXPOSE 8000
# The other processes: bin/production worker | beat | migrate | check-web | check-worker | manage ... (compose).
CMD ["bin/production", "web"]

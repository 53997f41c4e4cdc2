# Production image: gunicorn for the web, the same image runs Celery workers.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 DEBUG=false VAR_DIR=/var/lib/europass \
    STATIC_ROOT=/app/staticfiles
RUN apt-get update \
 && apt-get install -y --no-install-recommends libxmlsec1 libxmlsec1-openssl libxml2 libpango-1.0-0 \
    libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core gettext pkg-config gcc libxmlsec1-dev libxml2-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY europass ./europass
COPY issuing ./issuing
COPY wallet ./wallet
COPY verification ./verification
RUN pip install .
COPY . .
RUN useradd --system --home /app europass && mkdir -p $VAR_DIR && chown europass $VAR_DIR \
 && SECRET_KEY=build KEY_ENCRYPTION_SECRETS=build python manage.py collectstatic --no-input -v0 \
 && SECRET_KEY=build KEY_ENCRYPTION_SECRETS=build python manage.py compilemessages -v0 --ignore '*/site-packages/*'
USER europass
EXPOSE 8000
CMD ["gunicorn", "europass.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

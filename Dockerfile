# The one image of web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    PATH="/opt/venv/bin:$PATH" \
    DJANGO_SETTINGS_MODULE=config.settings.production

# The Debian packages of the image (gettext, for compilemessages) from the project's one list
# (scripts/system_packages.py); the uv version is the Makefile's UV_VERSION.
COPY scripts/system_packages.py /tmp/
RUN python /tmp/system_packages.py image \
    && rm -rf /var/lib/apt/lists/* /tmp/system_packages.py \
    && pip install --no-cache-dir uv==0.13.9

WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

COPY . .
# Build-only values: the production settings refuse to load without them (the real ones come
# from the environment at run time).
RUN export DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=build.invalid \
        SITE_URL=https://build.invalid \
    && python manage.py compilemessages --ignore=/opt/venv --verbosity=0 \
    && python manage.py collectstatic --noinput --verbosity=0 \
    && useradd --create-home --uid 1000 app \
    && mkdir -p /app/var \
    && chown -R app /app/var

USER app
EXPOSE 8000
ENV WEB_BIND=0.0.0.0:8000
CMD ["scripts/serve", "web"]

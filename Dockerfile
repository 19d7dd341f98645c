FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 cohort
WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# The stylesheet is compiled and committed, so collecting static files needs no Node.js.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput --verbosity 0 \
    && rm -f var/secret_key var/cohort.sqlite3 \
    && mkdir -p var/media \
    && chown -R cohort:cohort var

USER cohort
EXPOSE 8000
# Migrations run once per release (the compose `migrate` service, the Kubernetes Job), not here.
CMD ["daphne", "--bind", "0.0.0.0", "--port", "8000", "--proxy-headers", "config.asgi:application"]

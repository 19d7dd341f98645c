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
# The client's address and scheme come from the proxy in front (X-Forwarded-For/-Proto): trusted
# from any address here, as the image cannot know the proxy's; narrow FORWARDED_ALLOW_IPS to the
# proxy's addresses where they are known, and publish the port to nothing but the proxy.
ENV FORWARDED_ALLOW_IPS="*"
CMD ["python", "-m", "config.serve", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers"]

# Relay in one container: `relay run` (web, API, scheduler, sender) as a non-root user, data in /data.
#   docker build -t relay . && docker run -p 8000:8000 -v relay-data:/data relay
# Configure with RELAY_* variables (docs/configuration.md); secrets as RELAY_<NAME>_FILE=/run/secrets/...
FROM python:3.11-slim

# Apertium drafts nynorsk from bokmål for the governors (optional but expected); Pango lets WeasyPrint
# write the annual report as PDF; the PostgreSQL client does `relay backup` against PostgreSQL.
RUN apt-get update \
 && apt-get install -y --no-install-recommends apertium-nno-nob libpango-1.0-0 libpangoft2-1.0-0 \
      postgresql-client \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 relay && mkdir /data && chown relay:relay /data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY relay ./relay
COPY feeds ./feeds
COPY templates ./templates
COPY config ./config
RUN pip install --no-cache-dir .

ENV RELAY_HOME=/app \
    RELAY_DATA_DIR=/data \
    PYTHONUNBUFFERED=1
VOLUME ["/data"]
USER relay
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
CMD ["relay", "run", "--host", "0.0.0.0", "--port", "8000"]

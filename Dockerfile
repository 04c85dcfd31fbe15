# One image for every Houqin service (and later the gateway); the command picks which
# one runs, e.g. `python -m services.directory serve --mode all`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOUQIN_HTTP_HOST=0.0.0.0 \
    HOUQIN_LOG_JSON=true

RUN groupadd --system --gid 10001 houqin \
    && useradd --system --uid 10001 --gid houqin --home-dir /app --no-create-home --shell /usr/sbin/nologin houqin

WORKDIR /app

# The term report's documents: Pango for the PDF, and CJK fonts for its Chinese (as infra/documents/install.sh).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-arphic-uming fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so code changes do not reinstall them.
COPY requirements.txt ./
RUN pip install -r requirements.txt

# Everything else the .dockerignore lets through (services/, gateway/, demo/ for `python -m services demo`, ...).
# Owned by root and only readable by the service user.
COPY . .

USER houqin

EXPOSE 8000 8001 8002 8003 8004 8005 8006

CMD ["python", "-m", "services.directory", "serve"]

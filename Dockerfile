# Mockingbird: runs the bot.
#   docker build -t mockingbird .                      (WHISPER_MODEL=base fetched now)
#   docker build --build-arg WHISPER_MODEL=small -t mockingbird .
#   docker run -d --env-file .env -v mockingbird-data:/app/data --name mockingbird mockingbird
# or `docker compose up -d` with compose.yaml. Data (SQLite file) lives in the volume at
# /app/data; `docker inspect --format '{{.State.Health.Status}}' mockingbird` shows health.

# ---- build: a wheel of the project (sources, prompts, migrations and copy as package data)
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY cogs ./cogs
COPY prompts ./prompts
COPY storage ./storage
RUN pip wheel --no-deps --wheel-dir /wheels .

# ---- run: the installed wheel, no sources
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HOME=/opt/mockingbird/models

RUN apt-get update \
 && apt-get install -y --no-install-recommends espeak-ng ffmpeg libopus0 \
 && rm -rf /var/lib/apt/lists/*

COPY --from=build /wheels /wheels
RUN pip install /wheels/*.whl && rm -rf /wheels

RUN useradd --create-home --uid 10001 mockingbird \
 && mkdir -p /app/data /opt/mockingbird/models \
 && chown mockingbird /app/data /opt/mockingbird/models && chmod 700 /app/data
USER mockingbird
WORKDIR /app

# The speech model is fetched now (and loaded once to check it), so no container downloads
# it on its first voice message. The cache belongs to the bot's user, so a WHISPER_MODEL
# changed at run time can still be downloaded there (or rebuild with --build-arg).
ARG WHISPER_MODEL=base
ENV WHISPER_MODEL=${WHISPER_MODEL}
RUN python -m bot models download

VOLUME ["/app/data"]
# The heartbeat lives in the container, not the volume: a new container never reads an old one.
ENV DATABASE_PATH=/app/data/mockingbird.sqlite3 HEALTH_FILE=/tmp/mockingbird-health.json

# Healthy = connected to Discord and the database readable and writable, as the bot itself
# reported within the last 90 s (`python -m bot health` reads its heartbeat; exit 0 or 1).
HEALTHCHECK --interval=60s --timeout=15s --start-period=120s --retries=3 \
  CMD ["python", "-m", "bot", "health"]

CMD ["python", "-m", "bot", "run"]

# Mockingbird: runs the bot. Build: docker build -t mockingbird .
# Run:   docker run --env-file .env -v mockingbird-data:/app/data mockingbird
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN apt-get update \
 && apt-get install -y --no-install-recommends espeak-ng ffmpeg libopus0 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY cogs ./cogs
COPY prompts ./prompts
COPY storage ./storage
RUN pip install .

RUN useradd --create-home --uid 10001 mockingbird && mkdir -p /app/data \
 && chown mockingbird /app/data
USER mockingbird
VOLUME ["/app/data"]
ENV DATABASE_PATH=/app/data/mockingbird.sqlite3 PROMPTS_PATH=/app/prompts

CMD ["python", "-m", "bot", "run"]

# syntax=docker/dockerfile:1
# treaty-bot: build a wheel (the bot, with its knowledge base inside as bot/_knowledge) and the wheels of
# its dependencies, then install only those into a clean slim image that runs as a non-root user.
#
#   docker build -t treaty-bot .
#   docker run -d --name treaty-bot -e TELEGRAM_BOT_TOKEN=... -v treaty-bot-data:/data treaty-bot
#
# Configuration: environment variables (TELEGRAM_BOT_TOKEN, TREATY_BOT_DATABASE, TREATY_BOT_LOG_LEVEL,
# TREATY_BOT_LOG_FORMAT, TREATY_BOT_WEBHOOK_SECRET, TREATY_BOT_PSEUDONYM_SALT) and, for everything else,
# a config file mounted read-only and named by TREATY_BOT_CONFIG (see compose.yaml and README.md).

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY knowledge ./knowledge
# The project's wheel and every runtime dependency as a wheel, in /wheels (nothing else is kept).
RUN pip wheel --wheel-dir /wheels . \
    && python -c "import pathlib, zipfile; w = next(pathlib.Path('/wheels').glob('treaty_bot-*.whl')); \
assert 'bot/_knowledge/meta.toml' in zipfile.ZipFile(w).namelist(), 'the knowledge base is not in the wheel'"

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="treaty-bot" \
      org.opencontainers.image.description="A Telegram bot answering questions about one news article" \
      org.opencontainers.image.licenses="MIT"
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    TREATY_BOT_DATABASE=/data/treaty-bot.sqlite3 \
    TREATY_BOT_LOG_FORMAT=json
# Only the wheels, bind-mounted from the build stage for this one step: no build tools, no sources.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels /wheels/treaty_bot-*.whl \
    && groupadd --system --gid 10001 treaty \
    && useradd --system --uid 10001 --gid treaty --home-dir /data --no-create-home --shell /usr/sbin/nologin treaty \
    && mkdir -p /data \
    && chown treaty:treaty /data
# The chat log (SQLite) and the heartbeat file live here; keep it on a volume.
VOLUME ["/data"]
WORKDIR /data
USER 10001:10001
# Webhook mode only (telegram.webhook.listen = "0.0.0.0", port 8443); polling needs no open port.
EXPOSE 8443
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["treaty-bot", "health"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["treaty-bot"]
CMD ["run"]

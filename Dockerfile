# One image for both buurtwatt services; docker-compose.yml gives each its own command:
#   buurtwatt collect   --config /config/site.toml
#   buurtwatt dashboard --config /config/site.toml --host 0.0.0.0 --port 8050
#
# Stage 1 installs the dependencies (and compiles any that have no wheel for this CPU,
# e.g. on an older Raspberry Pi); stage 2 copies the finished virtualenv, without compilers.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
WORKDIR /app
COPY pyproject.toml README.md ./
COPY buurtwatt ./buurtwatt
COPY collector ./collector
COPY dashboard ./dashboard
COPY sim ./sim
COPY buurtwatt_app ./buurtwatt_app
COPY config ./config
# Editable, so the code stays at /app: it finds config/factors and config/registers next to
# itself (paths are relative to the source tree), exactly as in a git checkout.
RUN /opt/venv/bin/pip install -e .

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
# A dedicated user without a login; the dialout group opens the P1 serial port that
# docker-compose.yml passes through (the device keeps the host's group id 20, which is
# dialout in Debian and Raspberry Pi OS as well).
RUN groupadd --system --gid 10001 buurtwatt \
    && useradd --system --uid 10001 --gid buurtwatt --groups dialout \
       --home-dir /data --shell /usr/sbin/nologin buurtwatt \
    && mkdir -p /data /config \
    && chown buurtwatt:buurtwatt /data
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
USER buurtwatt
WORKDIR /data
# /data holds the collector's outbox (a named volume in docker-compose.yml)
VOLUME ["/data"]
EXPOSE 8050 8765
CMD ["buurtwatt", "--help"]

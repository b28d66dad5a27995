# syntax=docker/dockerfile:1
# One image for every role of the service: web, worker, webhook-worker, scheduler, migrate
# (docker/entrypoint.sh). The model is baked in at build time, so containers run offline.
#
#   docker build -t moderation .                                   # detoxify "unbiased"
#   docker build --build-arg MODEL=original-small -t moderation .  # another named model
#   docker build --build-arg MODEL_DIR=models/minilm-toxicity -t moderation .  # a local folder
#
# README "Deploying" explains each step and every command this file runs.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- build: a virtualenv with the CPU build of torch and the service installed ----
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
# torch first, pinned, from PyTorch's CPU index: an unpinned torch from PyPI is a multi-GB
# CUDA build that this service does not use.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
WORKDIR /app
COPY pyproject.toml README.md ./
COPY docker/constraints.txt ./docker/constraints.txt
COPY moderation ./moderation
# Editable, so the service finds config/ and migrations/ beside the package (under /app);
# constrained to the versions the tests ran (docker/constraints.txt, `make constraints`).
RUN pip install -e . -c docker/constraints.txt

# ---- model: download the named model, or take the local checkpoint folder ----
FROM build AS model
ARG MODEL=unbiased
ARG MODEL_DIR=docker/model
ENV MODERATION_MODEL=${MODEL} \
    HF_HOME=/opt/model/hf \
    TORCH_HOME=/opt/model/torch
COPY config ./config
COPY docker/fetch-model.sh ./docker/fetch-model.sh
COPY ${MODEL_DIR} /opt/model-src
RUN docker/fetch-model.sh /opt/model-src /opt/model

# ---- runtime: slim, non-root, offline ----
FROM ${PYTHON_IMAGE} AS runtime
ARG MODEL=unbiased
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HOME=/opt/model/hf \
    TORCH_HOME=/opt/model/torch \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    MODERATION_MODEL=${MODEL} \
    MODERATION_SERVER_HOST=0.0.0.0 \
    MODERATION_LOGGING_FORMAT=json \
    MODERATION_WORKER_METRICS_PORT=9200
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin moderation
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=model /opt/model /opt/model
COPY pyproject.toml README.md ./
COPY moderation ./moderation
COPY config ./config
COPY migrations ./migrations
COPY docker/entrypoint.sh ./docker/entrypoint.sh
USER moderation
EXPOSE 8000 9200
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["/app/docker/entrypoint.sh", "healthcheck"]
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["web"]

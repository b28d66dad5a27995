#!/bin/sh
# The image's entry point: one image, one role per container.
#
#   web              the API under gunicorn (moderation serve); MODERATION_MIGRATE=1 runs
#                    `moderation db upgrade` first (let one instance do it, or use `migrate`)
#   worker           a scoring worker (moderation worker): loads the model once, takes jobs
#   webhook-worker   a worker that only delivers webhooks (moderation webhook-worker)
#   scheduler        RQ's cron scheduler enqueueing reconcile (moderation scheduler); run one
#   migrate          apply the database migrations and exit (moderation db upgrade)
#   healthcheck      is this container's role alive? (moderation healthcheck ROLE)
#   anything else    run as given, e.g. `moderation score "some text"`
#
# Each role `exec`s its process, so SIGTERM from `docker stop` reaches it directly: gunicorn
# finishes requests in flight, a worker finishes its current batch (RQ's warm shutdown).
set -eu

role_file=${MODERATION_ROLE_FILE:-/tmp/moderation-role}
baked_model=${MODERATION_BAKED_MODEL_DIR:-/opt/model}

# A checkpoint baked in at build time is used unless the environment names another model.
if [ -f "$baked_model/model.ckpt" ] && [ -z "${MODERATION_MODEL_CHECKPOINT:-}" ]; then
    MODERATION_MODEL_CHECKPOINT="$baked_model/model.ckpt"
    MODERATION_MODEL_CONFIG_DIR="$baked_model/config"
    export MODERATION_MODEL_CHECKPOINT MODERATION_MODEL_CONFIG_DIR
fi

remember_role() {
    # For `healthcheck`, which Docker runs as a separate process with no arguments.
    echo "$1" > "$role_file" 2>/dev/null || true
}

role=${1:-web}
[ "$#" -gt 0 ] && shift

case "$role" in
    web)
        remember_role web
        if [ "${MODERATION_MIGRATE:-0}" = "1" ]; then
            moderation db upgrade
        fi
        export MODERATION_SERVER_HOST="${MODERATION_SERVER_HOST:-0.0.0.0}"
        export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-/tmp/moderation-metrics}"
        mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
        exec moderation serve "$@"
        ;;
    worker)
        remember_role worker
        exec moderation worker "$@"
        ;;
    webhook-worker)
        remember_role webhook-worker
        exec moderation webhook-worker "$@"
        ;;
    scheduler)
        remember_role scheduler
        exec moderation scheduler "$@"
        ;;
    migrate)
        remember_role migrate
        exec moderation db upgrade "$@"
        ;;
    healthcheck)
        exec moderation healthcheck "${1:-$(cat "$role_file" 2>/dev/null || echo web)}"
        ;;
    *)
        exec "$role" "$@"
        ;;
esac

# The project's commands. `make run` and `make test` work on a bare machine with Python 3.11.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
MODERATION_SHARED_DIR ?= $(abspath ../shared)
SHARED_MODEL := $(MODERATION_SHARED_DIR)/models/minilm-toxicity

# Use the offline MiniLM checkpoint when it is beside the project and no model is configured.
ifneq ($(wildcard $(SHARED_MODEL)/model.ckpt),)
  MODERATION_MODEL_CHECKPOINT ?= $(SHARED_MODEL)/model.ckpt
  MODERATION_MODEL_CONFIG_DIR ?= $(SHARED_MODEL)/config
  export MODERATION_MODEL_CHECKPOINT MODERATION_MODEL_CONFIG_DIR
endif

.PHONY: install run test lint typecheck unit bench bench-model distill bench-reads bench-perspective bench-precheck soak eval eval-learning clean constraints

$(BIN)/moderation: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first, pinned: pip takes the CPU build; an unpinned torch pulls a multi-GB CUDA one.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/moderation

install: $(BIN)/moderation

run: install
	MODERATION_DATABASE_URL=$${MODERATION_DATABASE_URL:-sqlite:///var/moderation.db} \
	MODERATION_REDIS_URL=$${MODERATION_REDIS_URL:-embedded} \
	MODERATION_MODERATOR_TOKENS=$${MODERATION_MODERATOR_TOKENS:-moderator:dev-moderator-token-change-me} \
	MODERATION_ADMIN_TOKENS=$${MODERATION_ADMIN_TOKENS:-admin:dev-admin-token-change-me} \
	MODERATION_API_KEYS=$${MODERATION_API_KEYS:-dev:dev-perspective-key-change-me} \
	MODERATION_WEBHOOKS_ALLOW_PRIVATE=$${MODERATION_WEBHOOKS_ALLOW_PRIVATE:-true} \
	HF_HUB_OFFLINE=$${HF_HUB_OFFLINE:-1} \
	$(BIN)/moderation dev

lint: install
	$(BIN)/ruff check moderation tests bench
	$(BIN)/ruff format --check moderation tests bench
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

# Tests use PostgreSQL/Redis when MODERATION_TEST_DATABASE_URL / MODERATION_TEST_REDIS_URL are
# set, else SQLite and an embedded redis-server.
test: lint typecheck
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS)

unit: install
	$(BIN)/pytest -p no:cacheprovider tests/unit

bench: install
	HF_HUB_OFFLINE=1 $(BIN)/python -m bench.run $(BENCH_ARGS)

# Perspective-compatible analyze: capacity, p50/p99 at half of it, alone and under scoring load.
# The model alone: the default (ONNX Runtime, int8, confirmed in float) against torch in float.
bench-model: install
	HF_HUB_OFFLINE=1 $(BIN)/python -m bench.bench_model --compare $(BENCH_ARGS)

# The published thread (uncached, cached, 304) against the status lookup (docs/benchmarks.md).
bench-reads: install
	HF_HUB_OFFLINE=1 $(BIN)/python -m bench.bench_reads $(BENCH_ARGS)

bench-perspective: install
	HF_HUB_OFFLINE=1 $(BIN)/python -m bench.bench_perspective $(BENCH_ARGS)

# The widget's pre-check (the nudge) at half the analyze capacity (docs/benchmarks.md).
bench-precheck: install
	HF_HUB_OFFLINE=1 $(BIN)/python -m bench.bench_precheck $(BENCH_ARGS)

# Ten minutes of mixed load on the real stack while faults are injected (docs/operations.md
# "Soak test"). Needs PostgreSQL, which it empties: MODERATION_SOAK_DATABASE_URL or
# MODERATION_TEST_DATABASE_URL. SOAK_ARGS='--minutes 2' for a short run.
soak: install
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/python -m bench.soak $(SOAK_ARGS)

# Decision quality on every labelled set in ../shared/data (docs/quality.md): the scoring
# worker's own decisions, one torch thread, model scores cached in var/eval/ so reruns after a
# rule or threshold change take seconds. EVAL_ARGS="--sets news_comments_socc --limit 500".
eval: install
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/python -m bench.eval $(EVAL_ARGS)

# A screening model distilled from the configured model on unlabelled text (decision 0029):
# ../shared/data's CC0 and CC BY-SA comment text, 2 epochs; about 50 minutes on 2 cores. Then
# `make bench-model BENCH_ARGS="--screen var/screen"` and `make bench BENCH_ARGS=...` measure it.
distill: install
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/moderation model distill --out var/screen \
	  --texts $(MODERATION_SHARED_DIR)/data/jigsaw_wiki_train.csv --texts $(MODERATION_SHARED_DIR)/data/civil_comments_toxic_spans.csv \
	  $(DISTILL_ARGS)

# A site model trained from decisions against the shipped model (docs/learning.md):
# news_comments_unhealthy's val rows as the site's past decisions, its test rows as the future;
# news_comments_socc by 5-fold cross-validation. The model's view of each comment is cached in
# var/learning-eval/; nothing trained is kept. EVAL_LEARNING_ARGS="--methods head,finetune".
eval-learning: install
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/python -m bench.eval_learning $(EVAL_LEARNING_ARGS)

# The versions the Docker image installs: the ones installed here, for pyproject's dependencies.
constraints: install
	$(BIN)/python docker/pin_constraints.py > docker/constraints.txt

clean:
	rm -rf var .mypy_cache .ruff_cache test-artifacts

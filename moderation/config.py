"""Settings: config/default.toml, then MODERATION_* environment variables, validated once.

`load_settings()` is called by the entry points (CLI, WSGI factory, worker); nothing here runs
at import. Every error names the setting and the environment variable that sets it.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "default.toml"

# A verified reader's reports start at weight 1.0 (review/reports.py, `reader_weight`); one
# anonymous report may weigh at most a tenth of that, since anyone can send one per address.
ANONYMOUS_REPORT_WEIGHT_LIMIT = 0.1

# detoxify's named models and the languages each was trained for (detoxify's README): the
# `multilingual` model (XLM-RoBERTa, Jigsaw's 2020 multilingual challenge) serves seven, the
# others English only. A checkpoint serves what `model.languages_served` says ("en" if empty).
MODEL_LANGUAGES: dict[str, tuple[str, ...]] = {
    "original": ("en",),
    "unbiased": ("en",),
    "multilingual": ("en", "fr", "es", "it", "pt", "ru", "tr"),
    "original-small": ("en",),
    "unbiased-small": ("en",),
}
MODEL_NAMES = tuple(MODEL_LANGUAGES)
# Codes the language identifier folds into one (py3langid tells Arabic dialects and Kurdish
# varieties apart; the word lists and the routing use the macro-language). Settings must name
# the folded code.
LANGUAGE_FOLDS: dict[str, str] = {"ary": "ar", "arz": "ar", "sdh": "ku", "ckb": "ku", "kmr": "ku"}
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")
# An adapter class: "package.module:Class".
_ADAPTER = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")

# Settings that operators touch first get short environment names.
ENV_ALIASES = {
    "database.url": "MODERATION_DATABASE_URL",
    "redis.url": "MODERATION_REDIS_URL",
    "model.name": "MODERATION_MODEL",
    "model.checkpoint": "MODERATION_MODEL_CHECKPOINT",
    "model.config_dir": "MODERATION_MODEL_CONFIG_DIR",
    "auth.moderator_tokens": "MODERATION_MODERATOR_TOKENS",
    "auth.admin_tokens": "MODERATION_ADMIN_TOKENS",
    "perspective.api_keys": "MODERATION_API_KEYS",
    "coral.secrets": "MODERATION_CORAL_SECRETS",
}

# An origin as browsers send it: scheme, host, optional port; no path, no trailing slash.
_ORIGIN = re.compile(r"^https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$")


# What a site id may be: it is part of public URLs.
SITE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


# The longest edit window a service or a site may set: a week (comments/edits.py).
MAX_EDIT_WINDOW_SECONDS = 7 * 24 * 3600


class SettingsError(ValueError):
    """A setting is missing or has a value the service cannot use."""


@dataclasses.dataclass(frozen=True)
class ServerSettings:
    host: str
    port: int
    max_request_bytes: int
    public_base_url: str
    body_timeout_seconds: float
    proxy_hops: int


@dataclasses.dataclass(frozen=True)
class DatabaseSettings:
    url: str


@dataclasses.dataclass(frozen=True)
class RedisSettings:
    url: str
    score_queue: str


@dataclasses.dataclass(frozen=True)
class Thresholds:
    hold: float
    reject: float


@dataclasses.dataclass(frozen=True)
class LanguageModel:
    """`[model.languages.<code>]`: the model for one language, and its own thresholds.

    One of `name` (a detoxify model), `checkpoint` (with `config_dir`) or `adapter`
    ("package.module:Class", a local classifier implementing `pipeline.model.Scorer`, called
    with `options` as keyword arguments). None of them: the default model, which must serve
    the language, with these thresholds. `thresholds` override the default ones per label.
    """

    name: str = ""
    checkpoint: str = ""
    config_dir: str = ""
    adapter: str = ""
    options: dict[str, Any] = dataclasses.field(default_factory=dict)
    # Per label, "hold" and/or "reject": over the default thresholds, like a site's own.
    thresholds: dict[str, dict[str, float]] = dataclasses.field(default_factory=dict)

    @property
    def own_model(self) -> bool:
        """Whether the entry names a model (else the language uses the default model)."""
        return bool(self.name or self.checkpoint or self.adapter)


@dataclasses.dataclass(frozen=True)
class ModelSettings:
    name: str
    checkpoint: str
    config_dir: str
    device: str
    threads: int
    on_unavailable: str
    window_tokens: int
    window_overlap_tokens: int
    quantize: str
    runtime: str
    thresholds: dict[str, Thresholds]
    # Languages the default model serves; empty: MODEL_LANGUAGES for a named model, "en" for a
    # checkpoint.
    languages_served: list[str] = dataclasses.field(default_factory=list)
    # "hold" (a person reads it, reason language_unsupported) or "publish" (the rules decide).
    unsupported_language: str = "hold"
    # Below this identification confidence, or with fewer letters than this, a text in the
    # Latin script goes to the default model (docs/quality.md, "Languages", says why).
    language_min_confidence: float = 0.9
    language_min_letters: int = 10
    languages: dict[str, LanguageModel] = dataclasses.field(default_factory=dict)
    # With int8 weights: a score within this many logits of a threshold is scored again in
    # float before it decides (decision 0028). 0: never.
    int8_confirm_logits: float = 0.4
    # A smaller model distilled from this one (`moderation model distill`) that scores every
    # window first; it clears a window whose every label lies more than
    # `screen_confirm_logits` below all of that label's thresholds, and every other window is
    # scored by this model (decision 0029). Empty: no screening.
    screen_checkpoint: str = ""
    # Its config folder; empty: the `config` folder beside the checkpoint.
    screen_config_dir: str = ""
    screen_confirm_logits: float = 1.5

    def language_thresholds(self, code: str) -> dict[str, Thresholds]:
        """The thresholds for comments in this language: the default ones, the language's over."""
        merged = dict(self.thresholds)
        entry = self.languages.get(code)
        for label, band in (entry.thresholds if entry else {}).items():
            base = merged.get(label, Thresholds(1.0, 1.0))
            merged[label] = Thresholds(band.get("hold", base.hold), band.get("reject", base.reject))
        return merged

    @property
    def default_languages(self) -> tuple[str, ...]:
        """The languages the default model serves."""
        if self.languages_served:
            return tuple(self.languages_served)
        if self.checkpoint:
            return ("en",)
        return MODEL_LANGUAGES.get(self.name, ("en",))


@dataclasses.dataclass(frozen=True)
class RulesSettings:
    word_lists_dir: str
    languages: list[str]
    links: str
    link_allow_domains: list[str]
    max_links: int
    reload_check_seconds: float
    link_deny_domains: list[str]
    link_hold_until_approved: int
    patterns_file: str
    pattern_time_limit_ms: float
    threat_time_limit_ms: float
    shouting_min_letters: int
    shouting_capitals_share: float
    max_repeated_characters: int
    max_repeated_words: int
    min_length: int
    max_length: int
    personal_data: bool
    phone_regions: list[str]
    duplicate_window_seconds: int
    duplicate_similarity: float
    max_comments_per_minute: int
    premoderate_new_authors: bool
    new_author_min_approved: int
    identity_bias_file: str
    identity_correction: float


@dataclasses.dataclass(frozen=True)
class AuthSettings:
    moderator_tokens: list[str]
    admin_tokens: list[str]


@dataclasses.dataclass(frozen=True)
class CommentSettings:
    max_length: int
    max_author_name: int
    # How long after posting its author may edit a comment (comments/edits.py); 0: never.
    edit_window_seconds: int = 900


@dataclasses.dataclass(frozen=True)
class WorkerSettings:
    batch_size: int
    claim_seconds: int
    reconcile_after_seconds: int
    heartbeat_seconds: int
    # Port of the worker's own Prometheus /metrics; 0 = not served.
    metrics_port: int = 0
    # A worker is gone this long after SIGTERM (lifecycle/watchdog.py).
    shutdown_grace_seconds: float = 25.0


@dataclasses.dataclass(frozen=True)
class LoggingSettings:
    format: str
    level: str


@dataclasses.dataclass(frozen=True)
class WebSettings:
    allowed_origins: list[str]
    demo_page: bool
    # Wrong bearer tokens and API keys one client address may send a minute before 429.
    bad_credentials_per_minute: int = 10


@dataclasses.dataclass(frozen=True)
class WebhookSettings:
    queue: str
    serve_in_worker: bool
    allow_private: bool
    timeout_seconds: float
    max_response_bytes: int
    retry_schedule: list[str]
    retry_jitter: float
    secret_grace_seconds: int
    disable_after_dead_letters: int
    job_seconds: float
    # Fernet keys, newest first: the first seals, every one opens (secrets.py).
    secret_keys: list[str] = dataclasses.field(default_factory=list)

    @property
    def retry_intervals(self) -> tuple[float, ...]:
        """The waits, in seconds, before each retry ("10s", "5m", "2h" parsed)."""
        return tuple(parse_duration(item) for item in self.retry_schedule)


def parse_duration(text: str) -> float:
    """Seconds in "250ms", "10s", "5m", "2h", "1d" or a bare number of seconds."""
    units = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
    value = text.strip().lower()
    for unit in sorted(units, key=len, reverse=True):
        if value.endswith(unit):
            return float(value[: -len(unit)]) * units[unit]
    return float(value)


@dataclasses.dataclass(frozen=True)
class PerspectiveSettings:
    api_keys: list[str]
    languages: list[str]
    deadline_ms: int
    max_pending: int
    batch_size: int
    max_text_bytes: int
    store_analyzed_text: bool
    queue: str
    worker_lane: bool
    comment_tokens_while_active: int


@dataclasses.dataclass(frozen=True)
class ReviewSettings:
    claim_seconds: int
    undo_seconds: int
    bulk_queue: str
    report_threshold: float
    hide_threshold: float
    anonymous_report_weight: float
    hide_min_verified_readers: int


@dataclasses.dataclass(frozen=True)
class SurgeSettings:
    """Surge protection (moderation/surge/): an article whose held or rejected share, or its
    reader reports, pass these levels within the window is pre-moderated until it cools down.
    A site may set its own values (its settings' "surge" section)."""

    enabled: bool
    # Held or rejected for what they say, as a share of the machine's decisions in the window,
    # once there are at least `min_comments` of them.
    held_share: float
    min_comments: int
    # Summed reader report weight (as review.report_threshold weighs reports) in the window;
    # 0: reports never start a surge.
    reports: float
    window_seconds: int
    # A surge ends this long after the last time its article passed a level (unless pinned).
    cool_down_seconds: int


# The [surge] settings a site may set for itself (its settings' "surge" section).
SURGE_SETTINGS = (
    "enabled",
    "held_share",
    "min_comments",
    "reports",
    "window_seconds",
    "cool_down_seconds",
)


def check_surge_ranges(surge: SurgeSettings, fail: typing.Callable[[str, str], Any]) -> None:
    """Each [surge] value within its bounds (the service's settings and a site's overrides)."""
    if not 0 < surge.held_share <= 1:
        fail("surge.held_share", "must be more than 0 and at most 1")
    if surge.min_comments < 1:
        fail("surge.min_comments", "must be at least 1")
    if surge.reports < 0:
        fail("surge.reports", "must be 0 (reports never start a surge) or more")
    if not 60 <= surge.window_seconds <= 86400:
        fail("surge.window_seconds", "must be between 60 and 86400 seconds")
    if not 60 <= surge.cool_down_seconds <= 7 * 86400:
        fail("surge.cool_down_seconds", "must be between 60 seconds and 7 days")


@dataclasses.dataclass(frozen=True)
class SiteSettings:
    # The site of the paths that name none (/v1/articles/...), and of rows older than sites.
    default: str
    # A web process reads a site's row again after this many seconds, so a change made through
    # the admin API (or by another process) is in force everywhere within it.
    cache_seconds: float
    # Commenter sessions (sites/commenters.py): how long one lasts unless the site sets its own
    # `session_seconds`, and how far past the SSO token it came from it may last at most.
    commenter_session_seconds: int
    commenter_session_past_sso_seconds: int
    # Clocks of the newsroom's token issuer and this service may differ this much (exp, nbf, iat).
    commenter_token_leeway_seconds: int


@dataclasses.dataclass(frozen=True)
class DsaSettings:
    """The EU Digital Services Act (moderation/dsa/, docs/dsa.md)."""

    # An author may appeal a restriction of their comment for this many days after it (art.
    # 20(1): at least six months).
    appeal_window_days: int = 183
    # true: an appeal is decided by a person other than the moderator whose decision it is
    # about (art. 20(6)); false for a newsroom with one moderator.
    appeals_by_other_moderator: bool = True
    # Most comments one notice may name (the first and its `additional_comment_ids`).
    max_comments_per_notice: int = 10


@dataclasses.dataclass(frozen=True)
class PolicySettings:
    """Sites' policies (docs/policies.md): spot checks and the models a policy may name."""

    # The share of the comments the machine publishes that go to the "spot_check" review queue
    # (they stay published), so people also label what the machine let through. A site's policy
    # may set its own (`spot_check.share`).
    spot_check_share: float
    # Folders whose detoxify-format checkpoints a policy may name (`model.checkpoint`): loading
    # a checkpoint runs its code, so an admin may name only what these folders hold. Empty: a
    # policy may not name a checkpoint (the worker's own model decides).
    checkpoint_dirs: list[str] = dataclasses.field(default_factory=list)


LIMIT_KINDS = (
    "comments",
    "reports",
    "status",
    "perspective",
    "notices",
    "appeals",
    "precheck",
)


@dataclasses.dataclass(frozen=True)
class LimitSettings:
    """Rate limits on the public endpoints (web/limits.py), as flask-limiter rate strings such
    as "5/minute;60/hour"; "" is no limit on that key."""

    enabled: bool
    comments_per_address: str
    comments_per_author: str
    comments_per_site: str
    reports_per_address: str
    reports_per_reader: str
    reports_per_site: str
    status_per_address: str
    status_per_site: str
    perspective_per_address: str
    perspective_per_key: str
    perspective_per_site: str
    # DSA notices of illegal content and authors' appeals (moderation/dsa/).
    notices_per_address: str = "5/minute;30/day"
    notices_per_site: str = "300/minute"
    appeals_per_address: str = "5/minute;30/day"
    appeals_per_author: str = "3/minute;20/day"
    appeals_per_site: str = "300/minute"
    # The widget's pre-check of a draft (nudge), per address, per author, per site.
    precheck_per_address: str = "30/minute"
    precheck_per_author: str = "10/minute"
    precheck_per_site: str = "1200/minute"

    def rate(self, kind: str, per: str) -> str:
        """The configured rate of `kind` per `per` ("comments", "author"); "" when none."""
        return str(getattr(self, f"{kind}_per_{per}", ""))


@dataclasses.dataclass(frozen=True)
class ReadSettings:
    """How the published thread is cached: in Redis, by browsers and by a CDN (docs/operations.md,
    "CDN")."""

    # Rendered thread pages are kept in Redis at most this long (0: not kept); a change to the
    # article's comments makes them stale at once, this bounds a change whose notice was lost.
    cache_seconds: float
    # Cache-Control of the published thread: browsers, then shared caches (a CDN), then how long
    # a shared cache may serve a stale page while it fetches a fresh one.
    max_age: int
    s_maxage: int
    stale_while_revalidate: int
    # Purge a CDN by surrogate key after a change, from the outbox: a URL template with {key},
    # the method, and "Name: value" headers ({key} substituted there too). "" is no purge.
    purge_url: str
    purge_method: str
    purge_headers: list[str] = dataclasses.field(default_factory=list)
    purge_timeout_seconds: float = 5.0
    purge_retry_schedule: list[str] = dataclasses.field(
        default_factory=lambda: ["5s", "30s", "2m", "10m"]
    )

    @property
    def purge_retry_intervals(self) -> tuple[float, ...]:
        return tuple(parse_duration(item) for item in self.purge_retry_schedule)

    @property
    def staleness_seconds(self) -> int:
        """How old a page a reader may be shown by a shared cache, at most (without purges)."""
        return self.s_maxage + self.stale_while_revalidate


@dataclasses.dataclass(frozen=True)
class RetentionSettings:
    """How long personal data is kept (moderation/privacy/retention.py); 0 keeps it for ever.

    A site may set its own `comment_text_days`, `audit_detail_days` and `feedback_days` (its
    `retention` overrides, sites/overrides.py)."""

    # Text of rejected (and erased) comments, counted from the decision; published, held and
    # pending comments keep theirs.
    comment_text_days: int = 0
    # Reasons and notes of audit records and of authors' standing changes.
    audit_detail_days: int = 0
    # Outbox events whose every delivery ended, with their deliveries and attempts.
    delivery_days: int = 0
    # Score feedback from the Perspective-compatible API.
    feedback_days: int = 0
    # How often `moderation scheduler` enqueues the purge, and rows per short transaction.
    purge_every_seconds: int = 3600
    purge_batch_size: int = 500


@dataclasses.dataclass(frozen=True)
class PrivacySettings:
    # The HMAC key of erased authors' pseudonyms; "" derives one from the first of
    # webhooks.secret_keys (as anonymous reader ids are), which changes if that key is rotated.
    pseudonym_key: str = ""


@dataclasses.dataclass(frozen=True)
class CoralSettings:
    """Coral Talk's External Moderation Phase (coral/): the signing secrets per site and how long
    the service may take before it answers "let a person decide" (docs/coral.md)."""

    # "site:secret" entries: the signing secret Coral shows for the phase (several per site while
    # Coral rotates it). No entry for a site: its phase endpoint refuses every call (403).
    secrets: list[str] = dataclasses.field(default_factory=list)
    # The service answers within this many milliseconds; what the model has not scored by then
    # goes to Coral's pre-moderation queue. Keep it below the phase's timeout in Coral.
    deadline_ms: int = 600
    # "coral-site-id:site" entries: a Coral tenant's one phase URL without a site
    # (/v1/coral/phase) serves several of its sites, each judged as the site here it names.
    # Coral site ids not listed go to the default site. env: MODERATION_CORAL_SITES
    sites: list[str] = dataclasses.field(default_factory=list)

    def site_for(self, coral_site_id: str) -> str | None:
        """The site here that a Coral site's comments are judged as, if one is configured."""
        for entry in self.sites:
            coral_site, _, site = entry.rpartition(":")
            if coral_site and coral_site == coral_site_id:
                return site
        return None

    def secrets_for(self, site_id: str) -> list[str]:
        """The signing secrets configured for `site_id` (newest first, as given)."""
        found = []
        for entry in self.secrets:
            site, _, secret = entry.partition(":")
            if site == site_id and secret:
                found.append(secret)
        return found


@dataclasses.dataclass(frozen=True)
class NudgeSettings:
    """The widget's pre-check of a draft (decisions/): how long it may take (docs/nudge.md)."""

    # Past this many milliseconds the pre-check answers "unknown" and the widget posts as usual.
    deadline_ms: int = 200


LEARNING_METHODS = ("head", "finetune")


@dataclasses.dataclass(frozen=True)
class LearningSettings:
    """Training a site model from its moderators' decisions (learning/, docs/learning.md)."""

    # Trained models go to <models_dir>/<site>/<UTC time>/ (model.ckpt, config/, evaluation.json).
    models_dir: str = "var/models"
    # "head": a logistic-regression head on the model's own features, folded into its output
    # layer; "finetune": the whole model fine-tuned. Both write a detoxify-format checkpoint.
    method: str = "head"
    # The label whose output the site's decisions retrain (the others are kept).
    label: str = "toxicity"
    # "cpu" or "cuda" (cuda:N) for training; torch threads on the CPU (0: torch's default).
    device: str = "cpu"
    threads: int = 2
    # The RQ queue of training jobs, and how long one may run.
    queue: str = "learning"
    job_timeout_seconds: int = 3600
    # Training needs at least this many decisions, and this many of each outcome.
    min_decisions: int = 200
    min_per_outcome: int = 20
    # The newest this many decisions are used.
    max_decisions: int = 20000
    # The newest share of decisions is held out to compare the trained and the current model.
    heldout_share: float = 0.2
    # The trained model is proposed only if its ROC-AUC on held-out decisions beats the current
    # model's best label by more than this.
    min_improvement: float = 0.0
    # Its retrained label is scaled so that the live hold and reject thresholds of that label
    # hold this share of approved decisions, and reject this share of them.
    false_hold_rate: float = 0.02
    false_reject_rate: float = 0.002
    # Tokens per comment seen in training (longer comments are cut).
    max_tokens: int = 256
    # finetune: passes over the training decisions, learning rate.
    epochs: float = 2.0
    learning_rate: float = 4e-5
    # The scheduler checks every site this often and trains one with at least new_decisions
    # decisions since its last trained model (false: only `moderation model train`).
    auto_train: bool = False
    check_every_seconds: int = 3600
    new_decisions: int = 500


# Settings that moved, with where to: giving one stops start-up with the new name.
MOVED_SETTINGS = {
    "review.reports_per_minute": ("limits.reports_per_address", "{}/minute"),
    "perspective.requests_per_second": ("limits.perspective_per_key", "{}/second"),
}


@dataclasses.dataclass(frozen=True)
class Settings:
    server: ServerSettings
    database: DatabaseSettings
    redis: RedisSettings
    model: ModelSettings
    rules: RulesSettings
    auth: AuthSettings
    comments: CommentSettings
    worker: WorkerSettings
    web: WebSettings
    webhooks: WebhookSettings
    perspective: PerspectiveSettings
    review: ReviewSettings
    limits: LimitSettings
    logging: LoggingSettings
    sites: SiteSettings
    reads: ReadSettings
    surge: SurgeSettings
    retention: RetentionSettings
    privacy: PrivacySettings
    coral: CoralSettings
    nudge: NudgeSettings
    policies: PolicySettings
    dsa: DsaSettings = dataclasses.field(default_factory=DsaSettings)
    learning: LearningSettings = dataclasses.field(default_factory=LearningSettings)

    def replace(self, **sections: Mapping[str, Any]) -> Settings:
        """A copy with some settings changed: `settings.replace(worker={"batch_size": 4})`."""
        changed = {}
        for name, values in sections.items():
            changed[name] = dataclasses.replace(getattr(self, name), **values)
        return dataclasses.replace(self, **changed)


def env_name(path: str) -> str:
    """The environment variable that overrides the setting at `path` ("worker.batch_size")."""
    return ENV_ALIASES.get(path, "MODERATION_" + path.replace(".", "_").upper())


def load_settings(
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    config_file: Path = DEFAULT_CONFIG,
) -> Settings:
    """Read the defaults, apply the environment, then `overrides`; validate; return Settings."""
    environ = os.environ if environ is None else environ
    try:
        raw = tomllib.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise SettingsError(f"cannot read configuration file {config_file}: {error}") from error
    for section, values in (overrides or {}).items():
        raw.setdefault(section, {}).update(values)
    _refuse_moved_settings(raw, environ)
    sections = {}
    for field in dataclasses.fields(Settings):
        section_type = typing.get_type_hints(Settings)[field.name]
        sections[field.name] = _build(section_type, raw.get(field.name, {}), field.name, environ)
    settings = Settings(**sections)
    _validate(settings)
    return settings


def _refuse_moved_settings(raw: Mapping[str, Any], environ: Mapping[str, str]) -> None:
    """A setting that moved to [limits] is not silently ignored: start-up stops, naming the new
    setting and the value that keeps the old meaning."""
    for path, (new_path, rate) in MOVED_SETTINGS.items():
        section, name = path.split(".")
        variable = env_name(path)
        value = environ.get(variable, raw.get(section, {}).get(name))
        if value is not None:
            raise SettingsError(
                f"setting {path} ({variable}) was replaced by {new_path}: set "
                f"{env_name(new_path)}={rate.format(value)} (or {new_path} in the config file)"
            )


def _build(cls: type[Any], raw: Mapping[str, Any], prefix: str, environ: Mapping[str, str]) -> Any:
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        path = f"{prefix}.{field.name}"
        hint = hints[field.name]
        if hint == dict[str, Thresholds]:
            values[field.name] = _thresholds(raw.get(field.name, {}), path, environ)
            continue
        if hint == dict[str, LanguageModel]:
            values[field.name] = _language_models(raw.get(field.name, {}), path, environ)
            continue
        variable = env_name(path)
        if variable in environ:
            value: Any = _from_env(environ[variable], hint, path, variable)
        elif field.name in raw:
            value = raw[field.name]
        elif field.default is not dataclasses.MISSING:
            value = field.default
        elif field.default_factory is not dataclasses.MISSING:
            value = field.default_factory()
        else:
            raise SettingsError(f"setting {path} is missing (set it in config or {variable})")
        values[field.name] = _check_type(value, hint, path, variable)
    return cls(**values)


def _thresholds(
    raw: Mapping[str, Any], path: str, environ: Mapping[str, str]
) -> dict[str, Thresholds]:
    result = {}
    for label, values in raw.items():
        result[label] = _build(Thresholds, values, f"{path}.{label}", environ)
    return result


_LANGUAGE_FIELDS = ("name", "checkpoint", "config_dir", "adapter")


def _language_models(raw: Any, path: str, environ: Mapping[str, str]) -> dict[str, LanguageModel]:
    """`[model.languages.<code>]` tables, and MODERATION_MODEL_LANGUAGES_<CODE>_<KEY> variables.

    A variable may add a language the file does not name
    (MODERATION_MODEL_LANGUAGES_FR_NAME=multilingual), so a container is configured without
    editing the file.
    """
    if not isinstance(raw, Mapping):
        raise SettingsError(f"setting {path} must be a table of languages ([{path}.fr] ...)")
    tables: dict[str, dict[str, Any]] = {}
    for code, table in raw.items():
        if not isinstance(table, Mapping):
            raise SettingsError(
                f'setting {path}.{code} must be a table, e.g. {{ name = "multilingual" }}'
            )
        tables[str(code)] = dict(table)
    prefix = env_name(path) + "_"
    for variable, value in environ.items():
        if not variable.startswith(prefix):
            continue
        rest = variable[len(prefix) :].lower()
        if rest == "served":  # model.languages_served, a setting of its own
            continue
        code, _, key = rest.partition("_")
        if key not in _LANGUAGE_FIELDS:
            raise SettingsError(
                f"{variable}: from the environment a language's NAME, CHECKPOINT, CONFIG_DIR "
                f"or ADAPTER can be set (e.g. {prefix}FR_NAME); set its thresholds and options "
                "in the configuration file"
            )
        tables.setdefault(code, {})[key] = value
    return {
        code: _language_model(table, f"{path}.{code}") for code, table in sorted(tables.items())
    }


def _language_model(table: Mapping[str, Any], where: str) -> LanguageModel:
    """One `[model.languages.<code>]` table, its keys and types checked."""
    unknown = sorted(set(table) - {*_LANGUAGE_FIELDS, "options", "thresholds"})
    if unknown:
        raise SettingsError(
            f"setting {where} has unknown key(s) {', '.join(unknown)}; known: "
            f"{', '.join(_LANGUAGE_FIELDS)}, options, thresholds"
        )
    strings = {}
    for key in _LANGUAGE_FIELDS:
        value = table.get(key, "")
        if not isinstance(value, str):
            raise SettingsError(f"setting {where}.{key} must be a string")
        strings[key] = value
    options = table.get("options", {})
    if not isinstance(options, Mapping):
        raise SettingsError(f"setting {where}.options must be a table of keyword arguments")
    thresholds = table.get("thresholds", {})
    if not isinstance(thresholds, Mapping) or not all(
        isinstance(band, Mapping) for band in thresholds.values()
    ):
        raise SettingsError(
            f"setting {where}.thresholds must hold tables such as "
            f"[{where}.thresholds.toxicity] with hold and reject"
        )
    bands: dict[str, dict[str, float]] = {}
    for label, band in thresholds.items():
        unknown = sorted(set(band) - {"hold", "reject"})
        if unknown or not band:
            raise SettingsError(
                f"setting {where}.thresholds.{label} takes hold and/or reject, "
                f"not {', '.join(unknown) or 'nothing'}"
            )
        bands[label] = {
            key: _check_type(
                value, float, f"{where}.thresholds.{label}.{key}", "the configuration file"
            )
            for key, value in band.items()
        }
    return LanguageModel(**strings, options=dict(options), thresholds=bands)


def _from_env(text: str, hint: Any, path: str, variable: str) -> Any:
    try:
        if hint is bool:
            lowered = text.strip().lower()
            if lowered not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                raise ValueError("expected true or false")
            return lowered in {"1", "true", "yes", "on"}
        if hint is int:
            return int(text)
        if hint is float:
            return float(text)
        if typing.get_origin(hint) is list:
            return [item.strip() for item in text.split(",") if item.strip()]
        return text
    except ValueError as error:
        raise SettingsError(f"{variable}={text!r} is not valid for {path}: {error}") from error


def _check_type(value: Any, hint: Any, path: str, variable: str) -> Any:
    origin = typing.get_origin(hint)
    if origin is list or isinstance(hint, types.GenericAlias):
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise SettingsError(f"setting {path} ({variable}) must be a list of strings")
        return value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is int and isinstance(value, bool):
        raise SettingsError(f"setting {path} ({variable}) must be a whole number")
    if not isinstance(value, hint):
        raise SettingsError(f"setting {path} ({variable}) must be of type {hint.__name__}")
    return value


def _validate(settings: Settings) -> None:
    def fail(path: str, message: str) -> typing.NoReturn:
        raise SettingsError(f"setting {path} ({env_name(path)}) {message}")

    if not settings.database.url:
        fail("database.url", "is empty: give a SQLAlchemy URL")
    if not settings.redis.url:
        fail("redis.url", "is empty: give a redis:// URL or 'embedded'")
    _validate_model(settings.model, fail)
    _validate_rules(settings.rules, fail)
    _validate_server(settings.server, fail)
    if settings.worker.batch_size < 1:
        fail("worker.batch_size", "must be at least 1")
    if not 0 <= settings.worker.metrics_port <= 65535:
        fail("worker.metrics_port", "must be a port number, or 0 for none")
    if settings.worker.shutdown_grace_seconds < 3:
        fail("worker.shutdown_grace_seconds", "must be at least 3")
    if settings.logging.format not in {"text", "json"}:
        fail("logging.format", f"must be text or json, not {settings.logging.format!r}")
    if settings.logging.level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        fail("logging.level", f"must be DEBUG, INFO, WARNING or ERROR: {settings.logging.level!r}")
    _validate_webhooks(settings.webhooks, fail)
    _validate_review(settings.review, fail)
    _validate_comments(settings.comments, fail)
    _validate_access(settings, fail)
    _validate_perspective(settings.perspective, fail)
    _validate_sites(settings.sites, fail)
    _validate_limits(settings.limits, fail)
    _validate_reads(settings.reads, fail)
    check_surge_ranges(settings.surge, fail)
    _validate_dsa(settings.dsa, fail)
    _validate_retention(settings.retention, settings.privacy, fail)
    _validate_coral(settings.coral, settings.nudge, fail)
    _validate_policies(settings.policies, fail)
    _validate_learning(settings.learning, fail)


def _validate_comments(comments: CommentSettings, fail: Any) -> None:
    if comments.max_length < 1:
        fail("comments.max_length", "must be at least 1")
    if not 0 <= comments.edit_window_seconds <= MAX_EDIT_WINDOW_SECONDS:
        fail(
            "comments.edit_window_seconds",
            f"must be 0 (no edits) to {MAX_EDIT_WINDOW_SECONDS} (7 days)",
        )


def _validate_dsa(dsa: DsaSettings, fail: Any) -> None:
    if dsa.appeal_window_days < 183:
        fail("dsa.appeal_window_days", "must be at least 183 (six months, DSA art. 20(1))")
    if not 1 <= dsa.max_comments_per_notice <= 100:
        fail("dsa.max_comments_per_notice", "must be between 1 and 100")


RETENTION_DAYS = ("comment_text_days", "audit_detail_days", "delivery_days", "feedback_days")
# A century: more is a typo, and a cutoff that far back cannot be computed on every platform.
MAX_RETENTION_DAYS = 36500


def _validate_retention(retention: RetentionSettings, privacy: PrivacySettings, fail: Any) -> None:
    for name in RETENTION_DAYS:
        if not 0 <= getattr(retention, name) <= MAX_RETENTION_DAYS:
            fail(f"retention.{name}", f"must be 0 (keep for ever) to {MAX_RETENTION_DAYS} days")
    if retention.purge_every_seconds < 60:
        fail("retention.purge_every_seconds", "must be at least 60")
    if not 1 <= retention.purge_batch_size <= 10000:
        fail("retention.purge_batch_size", "must be between 1 and 10000")
    if privacy.pseudonym_key and len(privacy.pseudonym_key) < 32:
        fail("privacy.pseudonym_key", "must be at least 32 characters (or empty)")


def _validate_coral(coral: CoralSettings, nudge: NudgeSettings, fail: Any) -> None:
    for entry in coral.secrets:
        site, _, secret = entry.partition(":")
        if not SITE_ID.fullmatch(site):
            fail("coral.secrets", "entries must be site:secret with a site id first")
        if len(secret) < 16:
            fail("coral.secrets", f"gives site {site!r} a secret shorter than 16 characters")
    for entry in coral.sites:
        coral_site, _, site = entry.rpartition(":")
        if not coral_site or not SITE_ID.fullmatch(site):
            fail("coral.sites", f"holds {entry!r}: give coral-site-id:site, a site id last")
    if not 50 <= coral.deadline_ms <= 30000:
        fail("coral.deadline_ms", "must be between 50 and 30000")
    if not 50 <= nudge.deadline_ms <= 10000:
        fail("nudge.deadline_ms", "must be between 50 and 10000")


def _validate_policies(policies: PolicySettings, fail: Any) -> None:
    if not 0.0 <= policies.spot_check_share <= 1.0:
        fail("policies.spot_check_share", "must be between 0 and 1")
    for folder in policies.checkpoint_dirs:
        if not os.path.isabs(os.path.expanduser(folder)):
            fail("policies.checkpoint_dirs", f"holds {folder!r}: give absolute folders")


def _validate_learning(learning: LearningSettings, fail: Any) -> None:
    if not learning.models_dir:
        fail("learning.models_dir", "is empty: give the folder trained models are written to")
    if learning.method not in LEARNING_METHODS:
        fail(
            "learning.method",
            f"must be one of {', '.join(LEARNING_METHODS)}, not {learning.method!r}",
        )
    if not re.fullmatch(r"cpu|cuda(:\d+)?", learning.device):
        fail("learning.device", f"must be cpu, cuda or cuda:N, not {learning.device!r}")
    if learning.threads < 0:
        fail("learning.threads", "must be 0 (torch's default) or more")
    if not learning.queue:
        fail("learning.queue", "is empty: name the RQ queue of training jobs")
    if learning.job_timeout_seconds < 60:
        fail("learning.job_timeout_seconds", "must be at least 60")
    if learning.min_per_outcome < 2:
        fail("learning.min_per_outcome", "must be at least 2")
    if learning.min_decisions < 2 * learning.min_per_outcome:
        fail("learning.min_decisions", "must be at least twice learning.min_per_outcome")
    if learning.max_decisions < learning.min_decisions:
        fail("learning.max_decisions", "must be at least learning.min_decisions")
    _validate_learning_data(learning, fail)


def _validate_learning_data(learning: LearningSettings, fail: Any) -> None:
    if not 0.05 <= learning.heldout_share <= 0.5:
        fail("learning.heldout_share", "must be between 0.05 and 0.5")
    if not 0 <= learning.min_improvement < 0.5:
        fail("learning.min_improvement", "must be between 0 and 0.5 (ROC-AUC points)")
    if not 0 < learning.false_reject_rate < learning.false_hold_rate < 0.5:
        fail(
            "learning.false_hold_rate",
            "must satisfy 0 < learning.false_reject_rate < learning.false_hold_rate < 0.5",
        )
    if not 16 <= learning.max_tokens <= 512:
        fail("learning.max_tokens", "must be between 16 and 512")
    if not 0 < learning.epochs <= 20:
        fail("learning.epochs", "must be more than 0 and at most 20")
    if not 0 < learning.learning_rate < 1:
        fail("learning.learning_rate", "must be between 0 and 1")
    if learning.check_every_seconds < 60:
        fail("learning.check_every_seconds", "must be at least 60")
    if learning.new_decisions < 1:
        fail("learning.new_decisions", "must be at least 1")


def _validate_reads(reads: ReadSettings, fail: Any) -> None:
    if reads.cache_seconds < 0:
        fail("reads.cache_seconds", "must be 0 (no server-side cache) or more")
    for name in ("max_age", "s_maxage", "stale_while_revalidate"):
        if getattr(reads, name) < 0:
            fail(f"reads.{name}", "must be 0 or more seconds")
    if reads.purge_url and (
        "{key}" not in reads.purge_url and not any("{key}" in h for h in reads.purge_headers)
    ):
        fail("reads.purge_url", "must name {key} (the surrogate key), or a purge header must")
    if reads.purge_url and not reads.purge_url.startswith(("http://", "https://")):
        fail("reads.purge_url", "must be an http:// or https:// URL template")
    if not re.fullmatch(r"[A-Z]{1,20}", reads.purge_method):
        fail(
            "reads.purge_method", f"must be an HTTP method in capitals, not {reads.purge_method!r}"
        )
    for header in reads.purge_headers:
        name, colon, _ = header.partition(":")
        if not colon or not re.fullmatch(r"[A-Za-z0-9-]+", name.strip()):
            fail("reads.purge_headers", f'holds {header!r}: give "Name: value"')
    if reads.purge_timeout_seconds <= 0:
        fail("reads.purge_timeout_seconds", "must be more than 0")
    for item in reads.purge_retry_schedule:
        try:
            parse_duration(item)
        except ValueError:
            fail("reads.purge_retry_schedule", f"holds {item!r}: give durations such as 5s, 2m")


def _validate_review(review: ReviewSettings, fail: Any) -> None:
    if not 0 < review.report_threshold <= review.hide_threshold:
        fail("review.report_threshold", "must satisfy 0 < report_threshold <= hide_threshold")
    if not 0 <= review.anonymous_report_weight <= ANONYMOUS_REPORT_WEIGHT_LIMIT:
        fail(
            "review.anonymous_report_weight",
            f"must be between 0 and {ANONYMOUS_REPORT_WEIGHT_LIMIT} (a tenth of the weight a "
            "verified reader's reports start at)",
        )
    if review.hide_min_verified_readers < 1:
        fail("review.hide_min_verified_readers", "must be at least 1")


def _validate_sites(sites: SiteSettings, fail: Any) -> None:
    if not SITE_ID.fullmatch(sites.default):
        fail("sites.default", "must be 1-64 lower-case letters, digits or -, starting with one")
    if sites.cache_seconds < 0:
        fail("sites.cache_seconds", "must be 0 or more")
    if not 60 <= sites.commenter_session_seconds <= 86400:
        fail("sites.commenter_session_seconds", "must be between 60 and 86400 (a day)")
    if not 0 <= sites.commenter_session_past_sso_seconds <= 86400:
        fail("sites.commenter_session_past_sso_seconds", "must be between 0 and 86400 (a day)")
    if not 0 <= sites.commenter_token_leeway_seconds <= 300:
        fail("sites.commenter_token_leeway_seconds", "must be between 0 and 300")


def _validate_server(server: ServerSettings, fail: Any) -> None:
    if server.body_timeout_seconds < 0:
        fail("server.body_timeout_seconds", "must be 0 (no deadline) or more")
    if server.proxy_hops < 0:
        fail("server.proxy_hops", "must be 0 (no proxy in front) or more")


def _validate_runtime(model: ModelSettings, fail: Any) -> None:
    if model.runtime not in {"auto", "torch", "onnx"}:
        fail("model.runtime", f"must be auto, torch or onnx, not {model.runtime!r}")
    if model.runtime == "onnx" and model.device != "cpu":
        fail("model.runtime", "onnx runs on the CPU here; use auto or torch with a GPU")
    if model.quantize not in {"auto", "none", "int8"}:
        fail("model.quantize", f"must be auto, none or int8, not {model.quantize!r}")
    if model.quantize == "int8" and model.device != "cpu":
        fail("model.quantize", "int8 runs on the CPU; use auto or none with a GPU")
    if not 0.0 <= model.int8_confirm_logits <= 10.0:
        fail("model.int8_confirm_logits", "must be between 0 (never) and 10")
    if not 0.0 <= model.screen_confirm_logits <= 20.0:
        fail("model.screen_confirm_logits", "must be between 0 (never) and 20")
    if model.screen_config_dir and not model.screen_checkpoint:
        fail("model.screen_config_dir", "needs model.screen_checkpoint")


def _validate_model(model: ModelSettings, fail: Any) -> None:
    if not model.checkpoint and model.name not in MODEL_NAMES:
        fail("model.name", f"must be one of {', '.join(MODEL_NAMES)}, not {model.name!r}")
    if bool(model.checkpoint) != bool(model.config_dir):
        fail("model.config_dir", "and model.checkpoint must be set together")
    if model.device not in {"cpu", "cuda"} and not model.device.startswith("cuda:"):
        fail("model.device", f"must be cpu or cuda, not {model.device!r}")
    if model.on_unavailable not in {"hold", "fail"}:
        fail("model.on_unavailable", f"must be hold or fail, not {model.on_unavailable!r}")
    _validate_runtime(model, fail)
    if model.threads < 0:
        fail("model.threads", "must be 0 or more")
    for label, band in model.thresholds.items():
        if not 0.0 <= band.hold <= band.reject <= 1.0:
            fail(f"model.thresholds.{label}.hold", "must satisfy 0 <= hold <= reject <= 1")
    _validate_languages(model, fail)


def _validate_languages(model: ModelSettings, fail: Any) -> None:
    """Which model serves which language, and what becomes of the others."""
    if model.unsupported_language not in {"hold", "publish"}:
        fail(
            "model.unsupported_language",
            f"must be hold or publish, not {model.unsupported_language!r}",
        )
    if not 0.0 <= model.language_min_confidence <= 1.0:
        fail("model.language_min_confidence", "must be between 0 and 1")
    if model.language_min_letters < 0:
        fail("model.language_min_letters", "must be 0 or more")
    for code in model.languages_served:
        _check_code(code, "model.languages_served", fail)
    if not model.checkpoint and model.languages_served:
        beyond = sorted(set(model.languages_served) - set(MODEL_LANGUAGES.get(model.name, ())))
        if beyond:
            fail(
                "model.languages_served",
                f"names {', '.join(beyond)}, which detoxify '{model.name}' does not serve "
                f"(it serves {', '.join(MODEL_LANGUAGES.get(model.name, ()))})",
            )
    for code, entry in model.languages.items():
        _validate_language(model, code, entry, fail)


def _validate_language(model: ModelSettings, code: str, entry: LanguageModel, fail: Any) -> None:
    """One `[model.languages.<code>]` entry: one model, that serves the language."""
    where = f"model.languages.{code}"
    _check_code(code, where, fail)
    chosen = [key for key in ("name", "checkpoint", "adapter") if getattr(entry, key)]
    if len(chosen) > 1:
        fail(where, f"names a model twice ({' and '.join(chosen)}): give one of them")
    if bool(entry.checkpoint) != bool(entry.config_dir):
        fail(f"{where}.config_dir", f"and {where}.checkpoint must be set together")
    if entry.name and entry.name not in MODEL_NAMES:
        fail(f"{where}.name", f"must be one of {', '.join(MODEL_NAMES)}, not {entry.name!r}")
    if entry.name and code not in MODEL_LANGUAGES[entry.name]:
        fail(
            f"{where}.name",
            f"is detoxify '{entry.name}', which does not serve {code!r} (it serves "
            f"{', '.join(MODEL_LANGUAGES[entry.name])}); give a checkpoint or an adapter "
            "trained for it, or leave the language out to route it as unsupported",
        )
    if entry.adapter and not _ADAPTER.fullmatch(entry.adapter):
        fail(f"{where}.adapter", f"must be package.module:Class, not {entry.adapter!r}")
    if entry.options and not entry.adapter:
        fail(f"{where}.options", "are keyword arguments for an adapter: set adapter too")
    served = model.default_languages
    if not entry.own_model and code not in served:
        fail(
            where,
            f"names no model (name, checkpoint or adapter), and the default model does not "
            f"serve {code!r} (it serves {', '.join(sorted(served))})",
        )
    for label, band in model.language_thresholds(code).items():
        if not 0.0 <= band.hold <= band.reject <= 1.0:
            fail(
                f"{where}.thresholds.{label}",
                "must satisfy 0 <= hold <= reject <= 1 (with the default levels it leaves)",
            )


def _check_code(code: str, where: str, fail: Any) -> None:
    if code in LANGUAGE_FOLDS:
        fail(
            where,
            f"names {code!r}: the language identifier reports it as {LANGUAGE_FOLDS[code]!r}, "
            "so name that",
        )
    if not _LANGUAGE_CODE.fullmatch(code):
        fail(where, f"names {code!r}: give ISO 639 codes in lower case, such as fr or ar")


def _validate_access(settings: Settings, fail: Any) -> None:
    """Browser origins, bearer tokens and their throttle."""
    for origin in settings.web.allowed_origins:
        if origin != "*" and not _ORIGIN.match(origin):
            fail("web.allowed_origins", f"holds {origin!r}: give scheme://host[:port] or *")
    if settings.web.bad_credentials_per_minute < 0:
        fail("web.bad_credentials_per_minute", "must be 0 or more")
    for path, tokens in (
        ("auth.moderator_tokens", settings.auth.moderator_tokens),
        ("auth.admin_tokens", settings.auth.admin_tokens),
    ):
        for token in tokens:
            secret = token.split(":", 1)[-1]
            if len(secret) < 16:
                fail(path, "holds a token shorter than 16 characters; use long random tokens")


def _validate_perspective(perspective: PerspectiveSettings, fail: Any) -> None:
    """API keys are `key`, `name:key`, `name:key:requests_per_second` or `name:key:rps:site`."""
    for entry in perspective.api_keys:
        parts = entry.split(":")
        secret = parts[1] if len(parts) > 1 else parts[0]
        if len(parts) > 4 or len(secret) < 16:
            fail(
                "perspective.api_keys",
                "entries must be key, name:key, name:key:rps or name:key:rps:site (rps may be "
                "empty), keys at least 16 characters long",
            )
        if len(parts) == 4 and not SITE_ID.fullmatch(parts[3]):
            fail("perspective.api_keys", f"gives key {parts[0]!r} a site id that cannot be one")
        if len(parts) >= 3 and parts[2] and not (parts[2].isdigit() and int(parts[2]) > 0):
            fail(
                "perspective.api_keys",
                f"gives key {parts[0]!r} a quota that is not a positive whole number",
            )
    for path, value in (
        ("perspective.deadline_ms", perspective.deadline_ms),
        ("perspective.max_pending", perspective.max_pending),
        ("perspective.batch_size", perspective.batch_size),
        ("perspective.max_text_bytes", perspective.max_text_bytes),
    ):
        if value < 1:
            fail(path, "must be at least 1")
    for code in perspective.languages:
        _check_code(code, "perspective.languages", fail)


def _validate_limits(limits: LimitSettings, fail: Any) -> None:
    """Each rate is "" or flask-limiter's notation: "5/minute", "5 per minute;60/hour"."""
    from limits import parse_many  # the notation's own parser, loaded only to validate

    for field in dataclasses.fields(LimitSettings):
        if "_per_" not in field.name:
            continue
        value = getattr(limits, field.name)
        if not value.strip():
            continue
        try:
            parse_many(value)
        except ValueError:
            fail(
                f"limits.{field.name}",
                f'holds {value!r}: give rates like 5/minute or 5/minute;60/hour, or "" for none',
            )


def _validate_webhooks(hooks: WebhookSettings, fail: typing.Callable[[str, str], Any]) -> None:
    try:
        intervals = hooks.retry_intervals
    except ValueError:
        fail("webhooks.retry_schedule", "holds a duration that is not like 10s, 5m, 2h or 1d")
    if any(interval < 0 for interval in intervals):
        fail("webhooks.retry_schedule", "must not hold negative durations")
    if not 0.0 <= hooks.retry_jitter < 1.0:
        fail("webhooks.retry_jitter", "must be at least 0 and below 1")
    if hooks.timeout_seconds <= 0:
        fail("webhooks.timeout_seconds", "must be above 0")
    if hooks.max_response_bytes < 0:
        fail("webhooks.max_response_bytes", "must be 0 or more")
    if hooks.disable_after_dead_letters < 0:
        fail("webhooks.disable_after_dead_letters", "must be 0 (never) or more")
    for position, key in enumerate(hooks.secret_keys, start=1):
        if not _is_fernet_key(key):
            fail(
                "webhooks.secret_keys",
                f"holds a key (number {position}) that is not a Fernet key: 32 bytes in "
                "URL-safe base64, as `moderation webhooks generate-key` prints",
            )


def _is_fernet_key(key: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(key.encode("ascii"))) == 32 and len(key) == 44
    except (ValueError, UnicodeEncodeError):
        return False


def _validate_rules(
    rules: RulesSettings, fail: typing.Callable[[str, str], typing.NoReturn]
) -> None:
    check_rule_ranges(rules, fail)
    from phonenumbers import SUPPORTED_REGIONS  # a look-up table: loaded only to validate

    unknown = [region for region in rules.phone_regions if region not in SUPPORTED_REGIONS]
    if unknown:
        fail("rules.phone_regions", f"holds {', '.join(unknown)}: give ISO 3166 codes like GB")
    folder = resolve_path(rules.word_lists_dir)
    for language in rules.languages:
        if not (folder / language).is_dir():
            fail("rules.languages", f"names {language!r}, but {folder} has no folder of that name")


def check_rule_ranges(
    rules: RulesSettings, fail: typing.Callable[[str, str], typing.NoReturn]
) -> None:
    """The bounds of the [rules] numbers, for the settings and for a site's or article's own."""
    for name in ("shouting_capitals_share", "duplicate_similarity", "identity_correction"):
        if not 0.0 <= getattr(rules, name) <= 1.0:
            fail(f"rules.{name}", "must be between 0 and 1")
    for name in (
        "reload_check_seconds",
        "pattern_time_limit_ms",
        "threat_time_limit_ms",
        "shouting_min_letters",
        "max_repeated_characters",
        "max_repeated_words",
        "min_length",
        "max_length",
        "duplicate_window_seconds",
        "max_comments_per_minute",
        "new_author_min_approved",
        "max_links",
        "link_hold_until_approved",
    ):
        if getattr(rules, name) < 0:
            fail(f"rules.{name}", "must be 0 or more")
    if rules.max_length and rules.max_length < rules.min_length:
        fail("rules.max_length", "must be 0 (no bound) or at least rules.min_length")
    if rules.links not in ("off", "all", "outside_allow_list"):
        fail("rules.links", f"must be off, all or outside_allow_list, not {rules.links!r}")


def resolve_path(path: str) -> Path:
    """A configured path: absolute as given, relative ones from the project root."""
    candidate = Path(path)
    return candidate if candidate.is_absolute() else PROJECT_ROOT / candidate

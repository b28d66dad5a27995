"""Settings: config/default.toml, then MODERATION_* environment variables, validated once.

`load_settings()` is called by the entry points (CLI, WSGI factory, worker); nothing here runs
at import. Every error names the setting and the environment variable that sets it.
"""

from __future__ import annotations

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

MODEL_NAMES = ("original", "unbiased", "multilingual", "original-small", "unbiased-small")

# Settings that operators touch first get short environment names.
ENV_ALIASES = {
    "database.url": "MODERATION_DATABASE_URL",
    "redis.url": "MODERATION_REDIS_URL",
    "model.name": "MODERATION_MODEL",
    "model.checkpoint": "MODERATION_MODEL_CHECKPOINT",
    "model.config_dir": "MODERATION_MODEL_CONFIG_DIR",
    "auth.moderator_tokens": "MODERATION_MODERATOR_TOKENS",
    "auth.admin_tokens": "MODERATION_ADMIN_TOKENS",
}

# An origin as browsers send it: scheme, host, optional port; no path, no trailing slash.
_ORIGIN = re.compile(r"^https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$")


class SettingsError(ValueError):
    """A setting is missing or has a value the service cannot use."""


@dataclasses.dataclass(frozen=True)
class ServerSettings:
    host: str
    port: int
    max_request_bytes: int
    public_base_url: str


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
class ModelSettings:
    name: str
    checkpoint: str
    config_dir: str
    device: str
    threads: int
    on_unavailable: str
    window_tokens: int
    window_overlap_tokens: int
    thresholds: dict[str, Thresholds]


@dataclasses.dataclass(frozen=True)
class RulesSettings:
    word_lists_dir: str
    languages: list[str]
    links: str
    link_allow_domains: list[str]
    max_links: int


@dataclasses.dataclass(frozen=True)
class AuthSettings:
    moderator_tokens: list[str]
    admin_tokens: list[str]


@dataclasses.dataclass(frozen=True)
class CommentSettings:
    max_length: int
    max_author_name: int


@dataclasses.dataclass(frozen=True)
class WorkerSettings:
    batch_size: int
    claim_seconds: int
    reconcile_after_seconds: int
    heartbeat_seconds: int


@dataclasses.dataclass(frozen=True)
class WebSettings:
    allowed_origins: list[str]
    demo_page: bool


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
    sections = {}
    for field in dataclasses.fields(Settings):
        section_type = typing.get_type_hints(Settings)[field.name]
        sections[field.name] = _build(section_type, raw.get(field.name, {}), field.name, environ)
    settings = Settings(**sections)
    _validate(settings)
    return settings


def _build(cls: type[Any], raw: Mapping[str, Any], prefix: str, environ: Mapping[str, str]) -> Any:
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        path = f"{prefix}.{field.name}"
        hint = hints[field.name]
        if hint == dict[str, Thresholds]:
            values[field.name] = _thresholds(raw.get(field.name, {}), path, environ)
            continue
        variable = env_name(path)
        if variable in environ:
            value: Any = _from_env(environ[variable], hint, path, variable)
        elif field.name in raw:
            value = raw[field.name]
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
    model = settings.model
    if not model.checkpoint and model.name not in MODEL_NAMES:
        fail("model.name", f"must be one of {', '.join(MODEL_NAMES)}, not {model.name!r}")
    if bool(model.checkpoint) != bool(model.config_dir):
        fail("model.config_dir", "and model.checkpoint must be set together")
    if model.device not in {"cpu", "cuda"} and not model.device.startswith("cuda:"):
        fail("model.device", f"must be cpu or cuda, not {model.device!r}")
    if model.on_unavailable not in {"hold", "fail"}:
        fail("model.on_unavailable", f"must be hold or fail, not {model.on_unavailable!r}")
    if model.threads < 0:
        fail("model.threads", "must be 0 or more")
    for label, band in model.thresholds.items():
        if not 0.0 <= band.hold <= band.reject <= 1.0:
            fail(f"model.thresholds.{label}.hold", "must satisfy 0 <= hold <= reject <= 1")
    if settings.rules.links not in {"off", "all", "outside_allow_list"}:
        fail("rules.links", f"must be off, all or outside_allow_list, not {settings.rules.links!r}")
    if settings.worker.batch_size < 1:
        fail("worker.batch_size", "must be at least 1")
    if settings.comments.max_length < 1:
        fail("comments.max_length", "must be at least 1")
    for origin in settings.web.allowed_origins:
        if origin != "*" and not _ORIGIN.match(origin):
            fail("web.allowed_origins", f"holds {origin!r}: give scheme://host[:port] or *")
    for path, tokens in (
        ("auth.moderator_tokens", settings.auth.moderator_tokens),
        ("auth.admin_tokens", settings.auth.admin_tokens),
    ):
        for token in tokens:
            secret = token.split(":", 1)[-1]
            if len(secret) < 16:
                fail(path, "holds a token shorter than 16 characters; use long random tokens")


def resolve_path(path: str) -> Path:
    """A configured path: absolute as given, relative ones from the project root."""
    candidate = Path(path)
    return candidate if candidate.is_absolute() else PROJECT_ROOT / candidate

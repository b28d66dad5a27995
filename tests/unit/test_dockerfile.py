"""The Dockerfile, read without a Docker engine: what it copies exists, what it runs is documented.

No engine runs here, so these tests hold the image to what can be checked from its text: every
COPY source is in the repository and not left out of the build context by .dockerignore, every
command it runs appears word for word in the README, the roles the entrypoint serves are the
ones the README and docker-compose.yml name, and the production habits the issue asks for
(torch pinned before the service, non-root, offline at run time, a health check) are there.
"""

from __future__ import annotations

import ast
import dataclasses
import fnmatch
import json
import re
import shlex
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from moderation.config import PROJECT_ROOT

DOCKERFILE = PROJECT_ROOT / "Dockerfile"
ENTRYPOINT = PROJECT_ROOT / "docker" / "entrypoint.sh"
README = PROJECT_ROOT / "README.md"
COMPOSE = PROJECT_ROOT / "docker-compose.yml"


@dataclasses.dataclass(frozen=True)
class Instruction:
    stage: str
    keyword: str
    arguments: str


def instructions(path: Path = DOCKERFILE) -> list[Instruction]:
    """Each instruction with its stage, continuation lines joined, comments dropped."""
    found: list[Instruction] = []
    stage, pending = "", ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pending = f"{pending} {line}".strip()
        if pending.endswith("\\"):
            pending = pending[:-1].rstrip()
            continue
        keyword, _, arguments = pending.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            parts = arguments.split()
            stage = parts[-1] if len(parts) >= 3 and parts[-2].upper() == "AS" else parts[0]
        found.append(Instruction(stage, keyword, arguments.strip()))
        pending = ""
    return found


def build_args() -> dict[str, str]:
    """Build arguments and their defaults."""
    args: dict[str, str] = {}
    for instruction in instructions():
        if instruction.keyword == "ARG":
            name, _, default = instruction.arguments.partition("=")
            args.setdefault(name, default)
    return args


def substitute(text: str, values: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: values[m[1] or m[2]], text)


def command_words(instruction: Instruction) -> list[str]:
    """The words of a RUN/CMD/ENTRYPOINT/HEALTHCHECK command (exec or shell form)."""
    text = instruction.arguments
    if instruction.keyword == "HEALTHCHECK":
        text = text.split(" CMD ", 1)[1].strip()
    if text.startswith("["):
        return [str(word) for word in json.loads(text)]
    return shlex.split(text)


def shell_commands(instruction: Instruction) -> list[str]:
    """A shell-form RUN split into its simple commands (at &&, ||, ; and |)."""
    parts = re.split(r"\s*(?:&&|\|\||;|\|)\s*", instruction.arguments)
    return [" ".join(part.split()) for part in parts if part.strip()]


def dockerignore_patterns() -> list[str]:
    lines = (PROJECT_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def ignored(relative: str) -> bool:
    """Whether .dockerignore leaves `relative` (or a folder above it) out of the context."""
    parts = Path(relative).parts
    prefixes = ["/".join(parts[: end + 1]) for end in range(len(parts))]
    for pattern in dockerignore_patterns():
        bare = pattern.removeprefix("**/")
        for prefix in prefixes:
            if fnmatch.fnmatch(prefix, pattern) or fnmatch.fnmatch(Path(prefix).name, bare):
                return True
    return False


def readme_text() -> str:
    return " ".join(README.read_text(encoding="utf-8").split())


def entrypoint_roles() -> list[str]:
    """The roles docker/entrypoint.sh serves (its `case` branches), catch-all excluded."""
    text = ENTRYPOINT.read_text(encoding="utf-8")
    return re.findall(r"^\s{4}([a-z-]+)\)\s*$", text, flags=re.MULTILINE)


def test_every_copy_source_exists_in_the_build_context() -> None:
    args = build_args()
    copies = [i for i in instructions() if i.keyword in {"COPY", "ADD"}]
    assert copies
    for copy in copies:
        words = [word for word in copy.arguments.split() if not word.startswith("--")]
        if "--from=" in copy.arguments:
            continue  # copied from an earlier stage, not from the repository
        for source in words[:-1]:
            # A build-argument placeholder is checked with its default value.
            relative = substitute(source, args)
            assert (PROJECT_ROOT / relative).exists(), f"{copy.arguments}: {relative} is missing"
            assert not ignored(relative), f"{copy.arguments}: .dockerignore leaves out {relative}"


def test_every_command_the_image_runs_is_in_the_readme() -> None:
    readme = readme_text()
    runs = [i for i in instructions() if i.keyword == "RUN"]
    assert runs
    for run in runs:
        for command in shell_commands(run):
            assert command in readme, f"README does not document `{command}` (Dockerfile RUN)"
    for instruction in instructions():
        if instruction.keyword in {"CMD", "ENTRYPOINT", "HEALTHCHECK"}:
            words = command_words(instruction)
            if instruction.keyword != "CMD":  # CMD holds the entrypoint's arguments only
                program = words.pop(0).removeprefix("/app/")
                assert program in readme, f"README does not document `{program}`"
            for word in words:
                assert f"`{word}`" in readme, f"README does not document the role `{word}`"


def test_the_entrypoint_roles_and_the_commands_they_run_are_documented() -> None:
    readme = readme_text()
    roles = entrypoint_roles()
    assert {"web", "worker", "webhook-worker", "scheduler", "migrate", "healthcheck"} <= set(roles)
    for role in roles:
        assert f"`{role}`" in readme, f"README does not document the entrypoint role `{role}`"
    text = ENTRYPOINT.read_text(encoding="utf-8")
    for command in set(re.findall(r"\b(moderation [a-z-]+(?: upgrade)?)", text)):
        assert f"`{command}" in readme, f"README does not document `{command}`"


def test_torch_is_pinned_to_the_cpu_build_before_the_service_is_installed() -> None:
    runs = [" ".join(i.arguments.split()) for i in instructions() if i.keyword == "RUN"]
    torch = next(index for index, run in enumerate(runs) if "torch==" in run)
    service = next(index for index, run in enumerate(runs) if run.startswith("pip install -e"))
    assert torch < service
    assert "download.pytorch.org/whl/cpu" in runs[torch]


def test_the_runtime_stage_is_slim_non_root_offline_and_checks_its_health() -> None:
    found = instructions()
    froms = [i for i in found if i.keyword == "FROM"]
    assert len(froms) >= 2, "multi-stage"
    base = substitute(froms[-1].arguments.split()[0], build_args())
    assert base.startswith("python:3.11-slim")
    runtime = [i for i in found if i.stage == froms[-1].arguments.split()[-1]]
    users = [i.arguments for i in runtime if i.keyword == "USER"]
    assert users and users[-1] not in {"root", "0"}
    environment = " ".join(i.arguments for i in runtime if i.keyword == "ENV")
    assert "HF_HUB_OFFLINE=1" in environment
    assert any(i.keyword == "HEALTHCHECK" for i in runtime)
    # The model comes from the model stage, built from a build argument.
    assert any(i.keyword == "COPY" and "--from=model" in i.arguments for i in runtime)
    assert {"MODEL", "MODEL_DIR"} <= set(build_args())


def test_the_build_context_leaves_out_local_state() -> None:
    for path in (".venv/bin/python", ".git/HEAD", "var/moderation.db", "tests/conftest.py"):
        assert ignored(path), path
    for path in ("moderation/app.py", "config/default.toml", "docker/entrypoint.sh"):
        assert not ignored(path), path


def test_compose_runs_every_role_with_health_checks_and_volumes() -> None:
    compose = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    services = compose["services"]
    roles = set(entrypoint_roles())
    for name in ("web", "worker", "webhook-worker", "scheduler", "migrate", "postgres", "redis"):
        assert name in services, name
    assert services["web"]["deploy"]["replicas"] == 2
    for name, service in services.items():
        if "command" in service and name in roles:
            assert service["command"][0] in roles, f"{name} runs an unknown role"
        if name != "migrate":
            assert "healthcheck" in service, f"{name} has no health check"
    for name in ("postgres", "redis"):
        for volume in services[name]["volumes"]:
            assert volume.split(":")[0] in compose["volumes"]
    assert services["migrate"]["restart"] == "no"
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("script", ["entrypoint.sh", "fetch-model.sh"])
def test_docker_scripts_are_executable_posix_shell(script: str) -> None:
    path = PROJECT_ROOT / "docker" / script
    assert path.stat().st_mode & 0o111
    assert path.read_text(encoding="utf-8").startswith("#!/bin/sh\n")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _installed_with(requirements: list[str]) -> set[str]:
    """Distributions that installing `requirements` brings in (their dependencies included)."""
    found: set[str] = set()
    todo = [Requirement(text) for text in requirements]
    while todo:
        requirement = todo.pop()
        name = _canonical(requirement.name)
        if name in found:
            continue
        found.add(name)
        try:
            needs = metadata.requires(requirement.name) or []
        except metadata.PackageNotFoundError:
            continue
        for text in needs:
            need = Requirement(text)
            if need.marker is None or need.marker.evaluate({"extra": ""}):
                todo.append(need)
    return found


def _imported_modules(folder: Path) -> set[str]:
    """Top-level names of what the Python files under `folder` import (absolute imports)."""
    modules: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return modules - set(sys.stdlib_module_names) - {"moderation", "tests", "bench"}


def _declared(requirements: list[str]) -> set[str]:
    return {_canonical(Requirement(text).name) for text in requirements}


def test_the_image_installs_every_package_the_service_imports() -> None:
    """`pip install -e .` installs pyproject's dependencies only: what the code imports must be
    among them (or their dependencies), or in an optional extra imported only when chosen."""
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extras = project["project"]["optional-dependencies"]
    installed = _installed_with(project["project"]["dependencies"])
    optional = _installed_with(extras["onnx"] + extras["local"])
    distributions = metadata.packages_distributions()
    for module in sorted(_imported_modules(PROJECT_ROOT / "moderation")):
        names = {_canonical(name) for name in distributions.get(module, [])}
        assert names, f"{module} is imported but no installed distribution provides it"
        assert names & (installed | optional), (
            f"{module} ({names}) is not in pyproject's dependencies"
        )


def test_every_imported_package_is_declared_where_it_is_imported() -> None:
    """A package the service imports is a direct dependency (or in the extra that uses it), not
    one that happens to come with another; what tests and benchmarks import is in `dev`."""
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extras = project["project"]["optional-dependencies"]
    service = _declared(project["project"]["dependencies"] + extras["onnx"] + extras["local"])
    development = service | _declared(extras["dev"])
    distributions = metadata.packages_distributions()
    for folder, declared in (
        ("moderation", service),
        ("tests", development),
        ("bench", development),
        ("docker", development),
    ):
        # torch is installed first and pinned by the Makefile and the Dockerfile (a CPU build);
        # as a requirement it would let pip pull a multi-GB CUDA build.
        for module in sorted(_imported_modules(PROJECT_ROOT / folder) - {"torch"}):
            names = {_canonical(name) for name in distributions.get(module, [])}
            assert names & declared, f"{folder}/ imports {module} ({names}), not declared"


def test_the_constraints_pin_every_dependency_within_its_range() -> None:
    """docker/constraints.txt must be rewritten (`make constraints`) when pyproject changes."""
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    lines = (PROJECT_ROOT / "docker" / "constraints.txt").read_text(encoding="utf-8").splitlines()
    pins = dict(line.split("==", 1) for line in lines if line.strip() and not line.startswith("#"))
    for text in project["project"]["dependencies"]:
        requirement = Requirement(text)
        name = _canonical(requirement.name)
        assert name in pins, f"{name} is not pinned in docker/constraints.txt"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{name}=={pins[name]} does not satisfy {requirement.specifier}"
        )

"""pyproject.toml, environment.yml and requirements.lock describe the same environment."""

from __future__ import annotations

import re
import tomllib

import yaml
from packaging.requirements import Requirement

from discourse import config

CONDA_ONLY = {"python", "pip"}


def _name(spec: str) -> str:
    return re.sub(r"[-_.]+", "-", Requirement(spec).name).lower()


def pyproject_requirements() -> dict[str, str]:
    data = tomllib.loads((config.PROJ_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    project = data["project"]
    specs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        specs.extend(extra)
    return {_name(s): str(Requirement(s).specifier) for s in specs}


def environment_requirements() -> dict[str, str]:
    env = yaml.safe_load((config.PROJ_ROOT / "environment.yml").read_text(encoding="utf-8"))
    specs: list[str] = []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            specs.extend(s for s in dep.get("pip", []) if not s.startswith("-e"))
        else:
            specs.append(dep)
    out = {}
    for s in specs:
        name = _name(s)
        if name not in CONDA_ONLY:
            out[name] = str(Requirement(s).specifier)
    return out


def lock_versions() -> dict[str, str]:
    out = {}
    for line in (config.PROJ_ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"requirements.lock: {line!r} is not pinned with =="
            out[re.sub(r"[-_.]+", "-", name).lower()] = version
    return out


def test_environment_yml_matches_pyproject():
    assert environment_requirements() == pyproject_requirements()


def test_lock_pins_every_declared_dependency_within_its_range():
    locked = lock_versions()
    for name, spec in pyproject_requirements().items():
        assert name in locked, f"{name} is declared in pyproject.toml but not pinned in requirements.lock"
        assert Requirement(f"{name}{spec}").specifier.contains(locked[name]), (name, spec, locked[name])

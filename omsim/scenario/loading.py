"""Scenario files: YAML in, a validated `Scenario` out, or an error that says what to fix.

A scenario may extend another (``extends: regional_retailer.yaml``, resolved next to the file):
mappings merge key by key, anything else (numbers, lists) is replaced. Errors name the file, the
field path, the bad value and what is allowed, and suggest the nearest key for a misspelt one.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from omsim.scenario.schema import Scenario

__all__ = [
    "SCENARIO_DIR",
    "ScenarioError",
    "deep_merge",
    "load_scenario",
    "resolve_scenario_path",
    "scenario_from_dict",
    "scenario_hash",
    "scenario_source",
]

SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios"
"""Where the shipped scenarios live (``scenarios/`` at the top of the repository)."""


class UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice in one mapping (the last would win)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class ScenarioError(ValueError):
    """A scenario file cannot be loaded; the message names file, field and allowed values."""


def resolve_scenario_path(name: str | Path) -> Path:
    """A path as given if it exists, else the shipped scenario of that name (``.yaml`` optional)."""
    if not str(name).strip():
        raise ScenarioError("scenario: empty; give a shipped scenario's name or a scenario file")
    path = Path(name)
    if path.is_dir():
        raise ScenarioError(f"{name}: a folder, not a scenario file")
    if path.exists():
        return path
    for candidate in (SCENARIO_DIR / path.name, SCENARIO_DIR / f"{path.name}.yaml"):
        if candidate.exists():
            return candidate
    shipped = ", ".join(sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))) or "none"
    raise ScenarioError(f"{name}: no such scenario file; shipped scenarios: {shipped}")


def read_yaml(path: Path, what: str, error: type[Exception]) -> Any:
    """A YAML file's content, duplicate keys refused (`UniqueKeyLoader`); a file that is
    missing, a folder, not UTF-8 or not YAML raises ``error`` naming it, as a ``what`` file."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=UniqueKeyLoader)
    except FileNotFoundError:
        raise error(f"{path}: no such {what} file") from None
    except IsADirectoryError:
        raise error(f"{path}: a folder, not a {what} file") from None
    except UnicodeDecodeError as problem:
        raise error(
            f"{path}: not UTF-8 text ({problem.reason} at byte {problem.start}); a {what} is YAML"
        ) from None
    except yaml.YAMLError as problem:
        raise error(f"{path}: not valid YAML: {problem}") from None


def _read(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    path = path.resolve()
    if path in seen:
        chain = " -> ".join(p.name for p in (*seen, path))
        raise ScenarioError(f"{path}: 'extends' makes a cycle: {chain}")
    data = read_yaml(path, "scenario", ScenarioError)
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: a scenario is a mapping of keys to values at the top level")
    base_name = data.pop("extends", None)
    if base_name is None:
        return data
    if not isinstance(base_name, str) or not base_name:
        raise ScenarioError(f"{path}: extends: got {base_name!r}: the path of a scenario file")
    base_path = path.parent / base_name
    if not base_path.is_file():
        raise ScenarioError(
            f"{path}: extends: got {base_name!r}: no such file ({base_path.resolve()}; "
            "a relative path is read from the folder of the file that extends it)"
        )
    base = _read(base_path, (*seen, path))
    return deep_merge(base, data)


def _chain(path: Path) -> list[Path]:
    """The file and the files it extends, nearest first."""
    files = [path.resolve()]
    for _ in range(50):
        try:
            data = yaml.safe_load(files[-1].read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            break
        base = data.get("extends") if isinstance(data, dict) else None
        if base is None:
            break
        files.append((files[-1].parent / str(base)).resolve())
    return files


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` on top of ``base``: mappings merge recursively, other values replace.

    A mapping with a ``dist`` key (a distribution) replaces the base mapping whole.

    >>> deep_merge({"a": {"x": 1, "y": 2}, "b": [1]}, {"a": {"y": 3}, "b": [2]})
    {'a': {'x': 1, 'y': 3}, 'b': [2]}
    """
    merged = dict(base)
    for key, value in override.items():
        # a distribution given in full replaces the base one instead of mixing parameters
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and "dist" not in value:
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_scenario(path: str | Path, **overrides: Any) -> Scenario:
    """Load and validate a scenario file, or a shipped scenario by name.

    Keyword ``overrides`` are merged on top (e.g. ``horizon_days=7``) and validated too.
    """
    resolved = resolve_scenario_path(path)
    data = deep_merge(_read(resolved), overrides)
    return scenario_from_dict(data, source=scenario_source(resolved))


def scenario_source(path: str | Path) -> str:
    """How errors name a scenario file: its path, and the files it extends."""
    chain = _chain(resolve_scenario_path(path))
    source = str(chain[0])
    if len(chain) > 1:
        source += " (extends " + ", ".join(p.name for p in chain[1:]) + ")"
    return source


def scenario_from_dict(data: dict[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate a scenario given as a mapping; ``source`` names it in errors."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(_explain(error, source)) from None


_UNION_TAG = re.compile(
    r"(constrained-[\w-]+|function-(after|before|wrap|plain)\[.*\]|"
    r"int|float|str|bool|decimal|none|list\[.*\]|dict\[.*\])"
)
"""How pydantic names the member of a union an error is about (``constrained-float``,
``function-after[_parameters(), Dist]``); a model member goes by its class name."""


def _is_union_tag(part: Any) -> bool:
    if isinstance(part, int):
        return False
    text = str(part)
    return bool(_UNION_TAG.fullmatch(text)) or text in _model_names()


@functools.cache
def _model_names() -> frozenset[str]:
    """The class names of the scenario's models (``Dist``, ``ReplenishmentSpec``, ...)."""
    names: set[str] = set()
    todo: list[type[BaseModel]] = [Scenario]
    while todo:
        model = todo.pop()
        if model.__name__ in names:
            continue
        names.add(model.__name__)
        for field in model.model_fields.values():
            found = _model_in(field.annotation)
            if found is not None:
                todo.append(found)
            for arg in getattr(field.annotation, "__args__", ()):
                inner = _model_in(arg)
                if inner is not None:
                    todo.append(inner)
    return frozenset(names)


def _field_path(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """The field path without pydantic's tags for the members of a union."""
    return tuple(p for p in loc if not _is_union_tag(p))


def _explain(error: ValidationError, source: str) -> str:
    problems = _merge_union_members(error.errors())
    lines = [f"{source}: {len(problems)} problem(s)"]
    for problem in problems:
        loc = problem["loc"]
        where = ".".join(str(part) for part in loc) or "(top level)"
        if not loc and problem["type"] == "value_error":  # a check across fields: say only why
            lines.append(f"  {problem['msg'].removeprefix('Value error, ')}")
            continue
        if problem["type"] == "extra_forbidden":
            allowed = allowed_keys(Scenario, loc[:-1])
            hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
            lines.append(
                f"  {where}: unknown key{suggestion} allowed: {', '.join(allowed) or 'none'}"
            )
            continue
        if problem["type"] == "missing":
            lines.append(f"  {where}: required but missing")
            continue
        shown = repr(problem.get("input"))
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        message = problem["msg"].removeprefix("Value error, ")
        choices = _literal_choices(problem, message)
        lines.append(f"  {where}: got {shown}: {message}{choices}")
    return "\n".join(lines)


def _merge_union_members(errors: list[Any]) -> list[dict[str, Any]]:
    """One problem per field: a value that fits no member of a union (a share or a
    distribution) gets the members' complaints joined with "or"."""
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    for problem in errors:
        loc = _field_path(problem["loc"])
        if loc in merged and loc != tuple(problem["loc"]) and merged[loc]["tagged"]:
            first = merged[loc]
            first["msg"] = f"{first['msg']}, or {problem['msg'].removeprefix('Value error, ')}"
            continue
        if loc in merged:  # another problem at the same place: kept apart
            loc = tuple(problem["loc"])
        merged.setdefault(loc, {**problem, "loc": loc, "tagged": loc != tuple(problem["loc"])})
    return list(merged.values())


def _literal_choices(problem: Any, message: str) -> str:
    expected = (problem.get("ctx") or {}).get("expected")
    if not expected or str(expected) in message:
        return ""
    return f" (allowed: {expected})"


def model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model reached by following the field path ``loc`` (list indexes skipped) from
    ``model``; None when the path leaves the models."""
    current: type[BaseModel] | None = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(str(part)) if current is not None else None
        if field is None:
            return None
        current = _model_in(field.annotation)
    return current


def allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model found by following ``loc`` from ``model`` (none off it)."""
    found = model_at(model, loc)
    return list(found.model_fields) if found is not None else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the validated scenario, canonical JSON: equal scenarios, equal hashes."""
    payload = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()

"""The MQTT code uses its libraries' public API only, so an upgrade within the pinned ranges cannot
silently break delivery: no private attribute of another object is read, written or overridden, and
no library class is subclassed except paho's `Properties` (a value type paho documents and asks for)."""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
MQTT = sorted((ROOT / "reports" / "mqtt").glob("*.py"))
OURS = {"probes", "profiles", "reports", "scanner"}
SUBCLASSABLE = {"Properties", "BaseModel", "StrEnum", "logging.LoggerAdapter", *dir(builtins)}


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def test_no_private_attribute_of_anything_but_ourselves() -> None:
    offenders = []
    for path in MQTT:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and _private(node.attr):
                owner = node.value
                if not (isinstance(owner, ast.Name) and owner.id in ("self", "cls")):
                    offenders.append(f"{path.name}:{node.lineno} .{node.attr}")
            module = (node.module or "") if isinstance(node, ast.ImportFrom) else ""
            if module.split(".")[0] not in OURS and any(_private(part) for part in module.split(".")):
                offenders.append(f"{path.name}:{node.lineno} from {node.module}")
    assert not offenders


def test_no_library_class_is_subclassed_for_its_internals() -> None:
    offenders = []
    for path in MQTT:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        ours = {node.name for p in MQTT for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
                if isinstance(node, ast.ClassDef)}
        ours |= {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                 and (node.module or "").split(".")[0] in OURS for alias in node.names}
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for base in node.bases:
                    name = ast.unparse(base)
                    if name not in ours and name not in SUBCLASSABLE:
                        offenders.append(f"{path.name}:{node.lineno} {node.name}({name})")
    assert not offenders

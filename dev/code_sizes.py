"""Module and function size tables (issue 16: the sizes before and after a split, as Markdown).

    python dev/code_sizes.py                       # modules of probes/onvif, 20 longest package functions
    python dev/code_sizes.py --modules probes --top 30

Lines are physical lines; a function's length runs from its `def` (decorators excluded) to its last line,
so a method is counted on its own and again inside its class (classes are not listed).
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("probes", "profiles", "reports", "scanner")


def python_files(under: Path) -> list[Path]:
    return sorted(p for p in under.rglob("*.py") if "__pycache__" not in p.parts)


def functions(path: Path) -> list[tuple[int, str]]:
    """(lines, qualified name) of every function and method in one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                found.append(((child.end_lineno or child.lineno) - child.lineno + 1, name))
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")

    visit(tree, "")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", default="probes/onvif", help="folder whose modules are listed")
    parser.add_argument("--top", type=int, default=20, help="how many of the longest functions")
    args = parser.parse_args()

    print(f"### Modules of `{args.modules}/`\n\n| module | lines | functions |\n|---|---:|---:|")
    total = 0
    for path in python_files(ROOT / args.modules):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        total += lines
        print(f"| `{path.relative_to(ROOT)}` | {lines} | {len(functions(path))} |")
    print(f"| total | {total} | |")

    ranked = [(n, f"{path.relative_to(ROOT)}", name)
              for package in PACKAGES for path in python_files(ROOT / package) for n, name in functions(path)]
    ranked.sort(key=lambda r: (-r[0], r[1], r[2]))
    print(f"\n### The {args.top} longest functions of the package code ({', '.join(PACKAGES)})\n")
    print("| lines | function | module |\n|---:|---|---|")
    for n, module, name in ranked[:args.top]:
        print(f"| {n} | `{name}` | `{module}` |")


if __name__ == "__main__":
    main()

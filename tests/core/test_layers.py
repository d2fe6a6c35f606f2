"""The one layering rule: imports point down only.

    buurtwatt_app (the app root)  ->  sim  ->  collector, dashboard  ->  buurtwatt (the core)

Every .py file is parsed with ``ast``; a file fails when it imports an upper or sideways layer,
or names one by string (a dotted module path, ``module:attr``, ``import_module(...)``,
``python -m ...``). The core is held to more: no module path of an outer layer in its
docstrings or comments either, so ``grep -rn "collector\\|dashboard" buurtwatt/`` finds no
modules. See docs/architecture.md.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = "buurtwatt_app"
# layer -> packages it must not import or name
FORBIDDEN: dict[str, frozenset[str]] = {
    "buurtwatt": frozenset({"collector", "dashboard", "sim", APP}),
    "collector": frozenset({"dashboard", "sim", APP}),
    "dashboard": frozenset({"collector", "sim", APP}),
    "sim": frozenset({APP}),
}
FIX = (
    f"imports point down only ({APP} -> sim -> collector, dashboard -> buurtwatt): move what both "
    "need into the core, or let the outer layer register with a core registry (docs/architecture.md)"
)
MODULE_STRING = re.compile(r"^([A-Za-z_]\w*)(\.[A-Za-z_]\w*)*(:[A-Za-z_][\w.]*)?$")
IMPORT_CALLS = {"import_module", "__import__", "find_spec"}


def _top(module: str) -> str:
    return module.split(".")[0].split(":")[0]


def _names_module(text: str, forbidden: frozenset[str]) -> bool:
    """``text`` is a module path of a forbidden package: 'collector.p1.cli', 'x.y:Attr'."""
    if not MODULE_STRING.match(text) or _top(text) not in forbidden:
        return False
    return text != _top(text) or text == APP  # a bare word like "dashboard" is a config key


def _text(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _is_import_call(node: ast.Call) -> bool:
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in IMPORT_CALLS


def _relative_base(path: Path, level: int) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[: len(parts) - level])


def upward_references(path: Path, source: str, layer: str) -> list[str]:
    """Every place in ``source`` where ``layer`` imports or names a layer it must not."""
    forbidden = FORBIDDEN[layer]
    found: list[str] = []

    def report(node: ast.AST, what: str) -> None:
        found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {layer} {what}; {FIX}")

    tree = ast.parse(source, filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _top(alias.name) in forbidden:
                    report(node, f"imports {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                module = ".".join(filter(None, (_relative_base(path, node.level), module)))
            if _top(module) in forbidden:
                report(node, f"imports from {module}")
        elif isinstance(node, ast.Call) and _is_import_call(node):
            module = _text(node.args[0]) if node.args else None
            if module and _top(module) in forbidden:
                report(node, f"imports {module!r} by name")
        elif isinstance(node, ast.List | ast.Tuple):
            for flag, arg in zip(node.elts, node.elts[1:], strict=False):
                module = _text(arg)
                if _text(flag) == "-m" and module and _top(module) in forbidden:
                    report(node, f"runs python -m {module}")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _names_module(node.value.strip(), forbidden):
                report(node, f"names the module {node.value.strip()!r} by string")
            elif layer == "buurtwatt" and _mentions_module(node.value, forbidden):
                report(node, "names an outer module in a string or docstring")
    if layer == "buurtwatt":
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT and _mentions_module(token.string, forbidden):
                found.append(
                    f"{path.relative_to(ROOT)}:{token.start[0]}: buurtwatt names an outer module in a "
                    f"comment; say it in words (the core does not know the outer layers)"
                )
    return found


def _mentions_module(text: str, forbidden: frozenset[str]) -> bool:
    """A path like ``collector/pipeline.py`` or ``dashboard.pages`` inside prose."""
    packages = "|".join(sorted(forbidden - {APP}))
    pattern = rf"(?<![\w.])(?:(?:{packages})(?:/|\.[a-z_])|{APP})"
    return re.search(pattern, text) is not None


def layer_files() -> list[tuple[Path, str]]:
    return [(path, layer) for layer in FORBIDDEN for path in sorted((ROOT / layer).rglob("*.py"))]


def test_every_layer_imports_only_downward() -> None:
    files = layer_files()
    assert len(files) > 50, "the layer check found too few files; is ROOT right?"
    problems = [p for path, layer in files for p in upward_references(path, path.read_text("utf-8"), layer)]
    assert not problems, "imports against the layers:\n" + "\n".join(problems)


def test_the_check_catches_each_kind_of_reach(tmp_path: Path) -> None:
    """The rule itself, on a made-up core module: every kind of upward reach is reported."""
    path = ROOT / "buurtwatt" / "_example.py"
    source = "\n".join(
        [
            '"""Runs after ``collector/pipeline.py``."""',
            "import importlib",
            "from collector.p1 import cli",
            "import dashboard.app",
            "from sim.p1 import SimMeter",
            'TYPES = {"p1": "collector.p1.config:P1Config"}',
            'importlib.import_module("dashboard")',
            'CMD = ["python", "-m", "buurtwatt_app"]',
            "# see dashboard.pages for the pages",
            'SECTION = "dashboard"  # a config key, allowed',
        ]
    )
    lines = sorted(int(p.split(":")[1]) for p in upward_references(path, source, "buurtwatt"))
    assert lines == [1, 3, 4, 5, 6, 7, 8, 8, 9]
    sideways = "from collector.health import State\nimport sim.demo\n"
    assert len(upward_references(ROOT / "dashboard" / "_example.py", sideways, "dashboard")) == 2
    assert upward_references(ROOT / "sim" / "_example.py", "from collector import cli\n", "sim") == []

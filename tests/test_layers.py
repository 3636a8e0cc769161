"""The package's layering, checked on the source: the CLI sits on top (nothing
below imports it), click stays in the CLI, and no import circle exists."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "mirror"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.AST) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING"
            or isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _nodes(tree: ast.AST, typing_only: bool) -> list[ast.AST]:
    """Every node of `tree`; without `typing_only`, not those under `if TYPE_CHECKING:`."""
    out: list[ast.AST] = []
    todo = [tree]
    while todo:
        node = todo.pop()
        out.append(node)
        if not typing_only and _is_type_checking(node):
            assert isinstance(node, ast.If)
            todo.extend([node.test, *node.orelse])
        else:
            todo.extend(ast.iter_child_nodes(node))
    return out


def _imports(path: Path, typing_only: bool = True) -> set[str]:
    """Every module `path` imports, at any depth of the file (lazy imports
    count); with `typing_only`, also those only the type checker reads."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _nodes(ast.parse(path.read_text("utf-8")), typing_only):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return found


MODULES = {_module_name(p): _imports(p) for p in PKG.rglob("*.py")}
# What runs: an import only the type checker reads (`if TYPE_CHECKING:`) makes no circle.
RUNTIME = {_module_name(p): _imports(p, typing_only=False) for p in PKG.rglob("*.py")}


def _within(mod: str, pkg: str) -> bool:
    return mod == pkg or mod.startswith(pkg + ".")


def test_nothing_outside_the_cli_imports_it():
    offenders = {m: sorted(i for i in imps if _within(i, "mirror.cli"))
                 for m, imps in MODULES.items() if not _within(m, "mirror.cli") and m != "mirror.__main__"}
    assert {m: i for m, i in offenders.items() if i} == {}


def test_click_is_only_used_by_the_cli():
    users = sorted(m for m, imps in MODULES.items()
                   if not _within(m, "mirror.cli") and any(_within(i, "click") for i in imps))
    assert users == []


def _graph() -> dict[str, set[str]]:
    """Module -> the mirror modules it imports when it runs (a name imported
    from a package counts as the package unless it is a module itself)."""
    return {m: {i for i in imps if i in MODULES and i != m} for m, imps in RUNTIME.items()}


def test_no_import_circle_between_modules_outside_a_package_init():
    # A package's __init__ importing its own submodules (which import the package
    # back by name) is how Python packages work, not a circle between jobs.
    graph = {m: {i for i in deps if not (_within(m, i) and PKG.joinpath(*i.split(".")[1:], "__init__.py").exists())}
             for m, deps in _graph().items()}
    seen: dict[str, int] = {}  # 1 = on the stack, 2 = done
    cycles: list[list[str]] = []

    def visit(m: str, stack: list[str]) -> None:
        seen[m] = 1
        for d in sorted(graph[m]):
            if seen.get(d) == 1:
                cycles.append(stack[stack.index(d):] + [d] if d in stack else [m, d])
            elif d not in seen:
                visit(d, stack + [d])
        seen[m] = 2

    for m in sorted(graph):
        if m not in seen:
            visit(m, [m])
    assert cycles == []

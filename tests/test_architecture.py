"""The package's shape: small modules, Redis only in the store, no import cycles."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "marathon"
MAX_LINES = 400
# The green-thread servers: each monkey-patches the process, so only the entry point
# that chose one (ASYNC_MODE) may import it; the rest runs under all three modes.
GREEN_SERVERS = ("eventlet", "gevent")


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name."""
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def imports_of(name: str, path: Path) -> set[str]:
    """The package modules `name` imports (at any depth of its body)."""
    is_package = path.name == "__init__.py"
    known = modules()
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            # `from pkg import mod` depends on pkg.mod; `from pkg import name` on pkg.
            for alias in node.names:
                sub = f"{stem}.{alias.name}"
                found.add(sub if sub in known else stem)
    # A module's parent packages are loaded before it by Python itself: not an edge.
    parents = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
    return {m for m in found if m in known and m != name and m not in parents}


def test_no_module_is_longer_than_400_lines():
    long = {name: n for name, path in modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"split these along a seam: {long}"


def imported_names(tree: ast.AST) -> list[str]:
    """Absolute module names a module imports, at any depth of its body."""
    return [name for node in ast.walk(tree)
            for name in ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""] if isinstance(node, ast.ImportFrom) and
                         not node.level else [])]


def green_server_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n for n in imported_names(tree) if n.split(".")[0] in GREEN_SERVERS}


def project_files() -> list[Path]:
    """The project's own Python files: package, config, scripts, bench, tests."""
    out = []
    for top in sorted(ROOT.iterdir()):
        if top.name.startswith(".") or top.name == "node_modules":  # .venv, .git, npm's
            continue
        if top.is_dir():
            out += sorted(top.rglob("*.py"))
        elif top.suffix == ".py":
            out.append(top)
    return out


def test_only_the_entry_point_imports_eventlet_or_gevent():
    offenders = {}
    for path in project_files():
        if path != ROOT / "wsgi.py" and (found := green_server_imports(path)):
            offenders[str(path.relative_to(ROOT))] = sorted(found)
    assert not offenders, f"only wsgi.py may import a green-thread server: {offenders}"


def test_the_green_server_rule_sees_both_servers(tmp_path):
    """The scan above must be able to fail: both servers, either import form, any depth."""
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    import eventlet.wsgi\n    from gevent import monkey\n"
                      "import geventwebsocket\n")
    assert green_server_imports(sample) == {"eventlet.wsgi", "gevent"}
    assert green_server_imports(ROOT / "wsgi.py") >= {"eventlet", "gevent"}


def test_only_the_store_imports_redis():
    offenders = []
    for name, path in modules().items():
        names = imported_names(ast.parse(path.read_text(encoding="utf-8")))
        if any(n == "redis" or n.startswith("redis.") for n in names) and not (
                name == "marathon.store" or name.startswith("marathon.store.")):
            offenders.append(name)
    assert not offenders


def test_nothing_outside_the_store_touches_its_client_or_scripts():
    offenders = []
    for name, path in modules().items():
        if name.startswith("marathon.store"):
            continue
        text = path.read_text(encoding="utf-8")
        for private in ("._redis", "._scripts", "._run(", "store.r.", "._write_keys"):
            if private in text:
                offenders.append(f"{name}: {private}")
    assert not offenders


def test_domain_does_no_io():
    """The domain package imports neither the store, the web layer, nor live."""
    for name, path in modules().items():
        if name.startswith("marathon.domain"):
            bad = {m for m in imports_of(name, path)
                   if m.startswith(("marathon.store", "marathon.web", "marathon.live"))}
            assert not bad, f"{name} imports {bad}"


def test_the_package_has_no_import_cycle():
    graph = {name: imports_of(name, path) for name, path in modules().items()}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str], seen: set[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt in stack:
                cycles.append(stack[stack.index(nxt):] + [nxt])
                continue
            if nxt not in seen:
                seen.add(nxt)
                visit(nxt, [*stack, nxt], seen)

    seen: set[str] = set()
    for start in sorted(graph):
        if start not in seen:
            seen.add(start)
            visit(start, [start], seen)
    assert not cycles, f"import cycles: {cycles[:5]}"


@pytest.mark.parametrize("fake", [{"a": {"b"}, "b": {"a"}}])
def test_the_cycle_finder_finds_a_cycle(fake):
    """The walk above must be able to fail (a test that cannot fail is a bug)."""
    found = []

    def visit(node: str, stack: list[str]) -> None:
        for nxt in sorted(fake.get(node, ())):
            if nxt in stack:
                found.append(stack[stack.index(nxt):] + [nxt])
                continue
            visit(nxt, [*stack, nxt])

    visit("a", ["a"])
    assert found == [["a", "b", "a"]]

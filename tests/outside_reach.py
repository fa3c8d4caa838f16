"""Which test modules can reach a part from outside Python, read from their source.

`tests/test_outside_parts.py` runs the suite again with these parts hidden, to prove that a
plain `pytest` on a machine with only Python skips what it cannot run. A module that cannot
reach a part behaves the same with and without them, so only the modules found here run again.

A module reaches a part when one is named in
1. the module itself;
2. a module of `tests/` or `bench/` that it imports, or loads by its file name (a string
   ending in `.py`), and so on through what that one imports or loads;
3. a definition in a `conftest.py` above it that it names: a fixture it requests (by
   parameter, `usefixtures` or `getfixturevalue`, all of them names in its source) or a helper
   it imports, and so on through the definitions that one names; or an autouse fixture, or a
   statement outside any definition, of such a `conftest.py`.

A part is named by a string that is a hidden program or a path to one, a string that holds a
hidden directory, an environment variable the hiding removes (`CI`, `MEETBOT_*`, `PYTEST_*`),
or an import of Playwright (it drives Chromium). The product (`bot/`, `cards/`, `dialogs/`,
`emulators/`) names none (a test checks that), so the walk need not enter it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

# What the hiding covers: programs by name, directories by a piece of their path.
HIDDEN_PROGRAMS = ("node", "npm", "npx", "chromium", "pg_config", "initdb", "pg_ctl", "postgres")
HIDDEN_DIRECTORY_PIECES = (
    "/usr/lib/postgresql",
    "/usr/lib/chromium",
    "node_modules",
    ".venv-agents",
)
REMOVED_VARIABLES = ("CI",)
REMOVED_PREFIXES = ("MEETBOT_", "PYTEST_")
PART_LIBRARIES = ("playwright",)
# Where the walk follows imports: the tests and the benches they load.
WALKED = ("tests", "bench")


def names_a_part(value: str) -> bool:
    """Whether a string in the source names a hidden program, directory or variable."""
    if value in HIDDEN_PROGRAMS or value in REMOVED_VARIABLES:
        return True
    if value.startswith(REMOVED_PREFIXES):
        return True
    if "/" in value and PurePosixPath(value).name in HIDDEN_PROGRAMS:
        return True
    return any(piece in value for piece in HIDDEN_DIRECTORY_PIECES)


@dataclass
class _Source:
    """What one piece of source (a module, or one definition in it) names."""

    parts: bool = False
    names: set[str] = field(default_factory=set)
    imports: set[Path] = field(default_factory=set)
    conftests: set[Path] = field(default_factory=set)  # imported from: their names count


def _strings(node: ast.AST) -> Iterator[str]:
    """The string constants under `node`, docstrings left out (prose, not code)."""
    docstrings: set[int] = set()
    for each in ast.walk(node):
        if isinstance(each, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = each.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    constants = (each for each in ast.walk(node) if isinstance(each, ast.Constant))
    for constant in constants:
        if isinstance(constant.value, str) and id(constant) not in docstrings:
            yield constant.value


def named_parts(node: ast.AST) -> list[str]:
    """The strings under `node` that name a part, and the part libraries it imports."""
    found = [value for value in _strings(node) if names_a_part(value)]
    for each in ast.walk(node):
        if isinstance(each, ast.Import):
            modules = [alias.name for alias in each.names]
        elif isinstance(each, ast.ImportFrom):
            modules = [each.module or ""]
        else:
            continue
        found += [m for m in modules if m.split(".")[0] in PART_LIBRARIES]
    return found


def _names(node: ast.AST) -> Iterator[str]:
    for each in ast.walk(node):
        if isinstance(each, ast.Name):
            yield each.id
        elif isinstance(each, ast.Attribute):
            yield each.attr
        elif isinstance(each, ast.arg):
            yield each.arg


def _installed(path: Path) -> bool:
    """Whether `path` lies in what an install put there (`node_modules`, a `.venv*`), not ours."""
    return any(part == "node_modules" or part.startswith(".") for part in path.parts)


class _Tree:
    """The project's source as the walk reads it, rooted at `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files = sorted(
            path
            for top in WALKED
            for path in (root / top).rglob("*.py")
            if not _installed(path.relative_to(root))
        )
        self._by_name: dict[str, list[Path]] = {}
        for path in self.files:
            self._by_name.setdefault(path.name, []).append(path)

    def module(self, dotted: str) -> Path | None:
        base = self.root.joinpath(*dotted.split("."))
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate in self._by_name.get(candidate.name, []):
                return candidate
        return None

    def read(self, node: ast.AST, imported: dict[str, Path]) -> _Source:
        """What `node` names; `imported` maps the names its module imports to their files."""
        source = _Source(parts=bool(named_parts(node)))
        for value in _strings(node):
            source.names.add(value)
            if value.endswith(".py") and PurePosixPath(value).name != "conftest.py":
                source.imports.update(self._by_name.get(PurePosixPath(value).name, []))
        # a name counts where it is used, and an import statement inside `node` counts itself
        used = [imported[name] for name in _names(node) if name in imported]
        source.names.update(_names(node))
        for path in [*used, *self.imports(node).values()]:
            into = source.conftests if path.name == "conftest.py" else source.imports
            into.add(path)
        return source

    def imports(self, tree: ast.AST) -> dict[str, Path]:
        """Each name a module binds by importing, mapped to the walked file it comes from."""
        found: dict[str, Path] = {}
        for each in ast.walk(tree):
            if isinstance(each, ast.Import):
                for alias in each.names:
                    path = self.module(alias.name)
                    if path is not None:
                        found[alias.asname or alias.name.split(".")[0]] = path
            elif isinstance(each, ast.ImportFrom) and each.module and not each.level:
                for alias in each.names:
                    path = self.module(f"{each.module}.{alias.name}") or self.module(each.module)
                    if path is not None:
                        found[alias.asname or alias.name] = path
        return found


@dataclass
class _Conftest:
    definitions: dict[str, _Source]
    autouse: set[str]
    loose: _Source  # the statements outside any definition


def _is_autouse(definition: ast.AST) -> bool:
    if not isinstance(definition, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    return any(
        isinstance(decorator, ast.Call)
        and any(
            k.arg == "autouse" and isinstance(k.value, ast.Constant) and k.value.value is True
            for k in decorator.keywords
        )
        for decorator in definition.decorator_list
    )


def _definition_names(statement: ast.stmt) -> list[str]:
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [statement.name]
    if isinstance(statement, ast.Assign):
        return [t.id for t in statement.targets if isinstance(t, ast.Name)]
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return [statement.target.id]
    return []


class Reach:
    """The walk over one project tree (the real one, or a made-up one in a test)."""

    def __init__(self, root: Path) -> None:
        self._tree = _Tree(root)
        self._modules: dict[Path, _Source] = {}
        self._conftests: dict[Path, _Conftest] = {}
        for path in self._tree.files:
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            imported = self._tree.imports(tree)
            self._modules[path] = self._tree.read(tree, imported)
            if path.name == "conftest.py":
                self._conftests[path.parent] = self._conftest(tree, imported)
        self._reaching_modules: set[Path] = set()
        self._close_modules()

    def _conftest(self, tree: ast.Module, imported: dict[str, Path]) -> _Conftest:
        definitions: dict[str, _Source] = {}
        autouse: set[str] = set()
        loose = _Source()
        for statement in tree.body:
            names = _definition_names(statement)
            if isinstance(statement, ast.Import | ast.ImportFrom):
                continue  # what it imports counts where a definition uses it
            if not names:
                part = self._tree.read(statement, imported)
                loose.parts |= part.parts
                loose.imports |= part.imports
                continue
            for name in names:
                definitions[name] = self._tree.read(statement, imported)
                if _is_autouse(statement):
                    autouse.add(name)
        return _Conftest(definitions, autouse, loose)

    def _close_modules(self) -> None:
        """Find the walked modules that reach a part, until none more does."""
        reaching = self._reaching_modules
        changed = True
        while changed:
            changed = False
            for path, source in self._modules.items():
                if path in reaching or path.name == "conftest.py":
                    continue
                if self._source_reaches(source) or self._through_conftests(path):
                    reaching.add(path)
                    changed = True

    def _conftests_of(self, module: Path) -> list[_Conftest]:
        """The conftest.py files above `module`, nearest first, then any it imports from."""
        found = [self._conftests[d] for d in module.parents if d in self._conftests]
        found += [
            self._conftests[path.parent]
            for path in self._modules[module].conftests
            if self._conftests[path.parent] not in found
        ]
        return found

    def _source_reaches(self, source: _Source) -> bool:
        return source.parts or bool(source.imports & self._reaching_modules)

    def _through_conftests(self, module: Path) -> bool:
        conftests = self._conftests_of(module)
        if any(self._source_reaches(c.loose) for c in conftests):
            return True
        definitions: dict[str, _Source] = {}
        for conftest in reversed(conftests):  # the nearest definition of a name wins
            definitions |= conftest.definitions
        todo = [name for name in self._modules[module].names if name in definitions]
        todo += [name for c in conftests for name in c.autouse]
        seen: set[str] = set()
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            if self._source_reaches(definitions[name]):
                return True
            todo += [other for other in definitions[name].names if other in definitions]
        return False

    def reaches(self, module: Path) -> bool:
        """Whether the module at `module` can reach a part from outside Python."""
        return module in self._reaching_modules

    def test_modules(self) -> list[Path]:
        """Every test module (tests/**/test_*.py) that can reach a part, in path order."""
        tests = self._tree.root / "tests"
        return [
            path
            for path in self._tree.files
            if path.is_relative_to(tests) and path.name.startswith("test_") and self.reaches(path)
        ]

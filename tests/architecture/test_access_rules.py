"""House rules that keep access in one place, each shown to catch a planted violation:

- no app names organisation roles (``Role.X``, nor the whole list: ``Role.choices``, ``for role in Role``) or reads
  memberships (``Membership.objects``) outside ``reparo/access``;
- every ``*_get_for`` lookup reads its actor, is registered with ``@lookup`` and says what it checks;
- no selector writes the "not found" handler out by hand (``one_or_404`` is the one helper);
- no two apps import each other, directly or through others, at module level or inside functions;
- ``docs/access.md`` is what ``manage.py access_table`` renders from the code.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REPARO = ROOT / "reparo"
ACCESS = REPARO / "access"
CORE_LOOKUP = REPARO / "core" / "lookup.py"

# Seed data is data: it names one user per role on purpose.
ROLE_LISTING_ALLOWED = {
    REPARO / "demo" / "seed.py": "demo data: one user per role",
    REPARO / "cases" / "synthetic.py": "benchmark data: staff per role, inserted in bulk",
}
# Where ``Role`` is declared, the membership's field takes its choices; nothing else there may name a role.
ROLE_MODULE = REPARO / "accounts" / "models.py"
ROLE_MODULE_USES = {"Role.choices": 1}


def _python_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "migrations" not in p.parts)


def find_role_listings(
    paths: list[Path], *, allowed: dict[Path, str] | None = None, role_module: Path | None = None
) -> list[str]:
    """Every use of ``Role`` (a member, ``Role.choices``, ``Role.values``, the class itself iterated or passed on) and
    ``Membership.objects`` outside the access module: which roles there are, and which may be given, is the access
    module's to say (``reparo.access.capabilities.roles_to_give``). In ``role_module``, where ``Role`` is declared,
    exactly :data:`ROLE_MODULE_USES` (the membership field's choices) and nothing else."""
    allowed = allowed or {}
    found = []
    for path in paths:
        if ACCESS in path.parents or path in allowed:
            continue
        where = path.relative_to(path.parents[2])
        tree = ast.parse(path.read_text(), str(path))
        as_attribute = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        uses: list[tuple[int, str]] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                if node.value.id == "Role":
                    uses.append((node.lineno, f"Role.{node.attr}"))
                if node.value.id == "Membership" and node.attr in {"objects", "_default_manager", "_base_manager"}:
                    found.append(f"{where}:{node.lineno} Membership.{node.attr}")
            elif isinstance(node, ast.Name) and node.id == "Role" and id(node) not in as_attribute:
                uses.append((node.lineno, "Role"))
        if path == role_module:
            named = sorted(use for _line, use in uses)
            expected = sorted(use for use, count in ROLE_MODULE_USES.items() for _n in range(count))
            if named == expected:
                continue
        found += [f"{where}:{line} {use}" for line, use in sorted(uses)]
    return found


def _lookup_functions(path: Path) -> list[ast.FunctionDef]:
    tree = ast.parse(path.read_text(), str(path))
    return [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.endswith("_get_for")]


def find_lookups_ignoring_actor(paths: list[Path]) -> list[str]:
    """``*_get_for`` functions whose first argument (the actor) is never read: a name that promises a check the
    function does not make (scope by parent only? then it is ``<thing>_in(parent, pk)``)."""
    found = []
    for path in paths:
        for fn in _lookup_functions(path):
            if not fn.args.args:
                found.append(f"{path.name}:{fn.lineno} {fn.name} takes no actor")
                continue
            actor = fn.args.args[0].arg
            reads = any(
                isinstance(n, ast.Name) and n.id == actor and isinstance(n.ctx, ast.Load)
                for statement in fn.body
                for n in ast.walk(statement)
            )
            if not reads:
                found.append(f"{path.name}:{fn.lineno} {fn.name} never reads {actor!r}")
    return found


def find_unregistered_lookups(paths: list[Path]) -> list[str]:
    """``*_get_for`` functions without ``@lookup(...)`` or without a docstring (``docs/access.md`` lists both)."""
    found = []
    for path in paths:
        for fn in _lookup_functions(path):
            registered = any(
                isinstance(d, ast.Call) and isinstance(d.func, ast.Name) and d.func.id == "lookup"
                for d in fn.decorator_list
            )
            if not registered:
                found.append(f"{path.name}:{fn.lineno} {fn.name} is not registered with @lookup")
            if not ast.get_docstring(fn):
                found.append(f"{path.name}:{fn.lineno} {fn.name} does not say what it checks")
    return found


def find_hand_written_not_found(paths: list[Path]) -> list[str]:
    """``except ...DoesNotExist: raise Http404`` written out by hand instead of ``one_or_404``."""
    found = []
    for path in paths:
        if ACCESS in path.parents or path == CORE_LOOKUP:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.ExceptHandler) or node.type is None:
                continue
            catches = ast.unparse(node.type)
            raises_404 = any(
                isinstance(n, ast.Raise) and n.exc is not None and "Http404" in ast.unparse(n.exc)
                for n in ast.walk(node)
            )
            if "DoesNotExist" in catches and raises_404:
                found.append(f"{path.relative_to(path.parents[2])}:{node.lineno}")
    return found


def app_imports(root: Path) -> dict[str, set[str]]:
    """App -> the other apps it imports, anywhere in its modules (module level, inside functions, under
    TYPE_CHECKING alike)."""
    apps = {p.name for p in root.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    graph: dict[str, set[str]] = {app: set() for app in apps}
    package = root.name
    for app in apps:
        for path in _python_files(root / app):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                names: list[str] = []
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                elif isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                for name in names:
                    parts = name.split(".")
                    if len(parts) > 1 and parts[0] == package and parts[1] in apps and parts[1] != app:
                        graph[app].add(parts[1])
    return graph


def find_import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle's apps (strongly connected components with more than one app), by Tarjan's algorithm."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(app: str) -> None:
        index[app] = low[app] = counter[0]
        counter[0] += 1
        stack.append(app)
        on_stack.add(app)
        for other in sorted(graph.get(app, ())):
            if other not in index:
                visit(other)
                low[app] = min(low[app], low[other])
            elif other in on_stack:
                low[app] = min(low[app], index[other])
        if low[app] == index[app]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == app:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for app in sorted(graph):
        if app not in index:
            visit(app)
    return cycles


def _write(tmp_path: Path, relative: str, text: str) -> Path:
    path = tmp_path / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# --- the rules on the real tree ------------------------------------------------------------------------------


def test_it_keeps_roles_and_memberships_inside_the_access_module():
    found = find_role_listings(_python_files(REPARO), allowed=ROLE_LISTING_ALLOWED, role_module=ROLE_MODULE)
    assert not found, f"ask reparo.access for a capability (or roles_to_give) instead: {found}"


def test_it_has_lookups_that_read_their_actor():
    selectors = sorted(REPARO.glob("*/selectors.py"))
    assert len(selectors) >= 10
    assert not find_lookups_ignoring_actor(selectors)


def test_it_registers_each_lookup_with_what_it_checks():
    assert not find_unregistered_lookups(sorted(REPARO.glob("*/selectors.py")))


def test_it_builds_every_not_found_on_the_one_helper():
    assert not find_hand_written_not_found(_python_files(REPARO))


def test_it_has_no_import_cycle_between_apps():
    graph = app_imports(REPARO)
    assert {"access", "cases", "processes", "training"} <= set(graph)
    assert not find_import_cycles(graph)


def test_it_keeps_the_access_document_in_step_with_the_code():
    from reparo.access.table import DOC_PATH, render

    assert DOC_PATH.read_text(encoding="utf-8") == render(), "run `manage.py access_table`"


def test_it_has_one_lookup_per_object_type():
    from reparo.access.lookup import LOOKUPS, lookup
    from reparo.access.table import render

    render()  # imports every app's selectors
    assert {"cases.case", "processes.process", "people.person", "organisations.program"} <= set(LOOKUPS)
    with pytest.raises(RuntimeError, match="already has a lookup"):

        @lookup("cases.case")
        def another_case_get_for(actor, pk):  # pragma: no cover - refused at registration
            return None


# --- each rule catches a planted violation --------------------------------------------------------------------


def test_it_catches_a_planted_role_listing(tmp_path):
    bad = _write(
        tmp_path,
        "reparo/cases/selectors.py",
        "from reparo.accounts.models import Membership, Role\n"
        "ADMINS = (Role.ORG_ADMIN, Role.COORDINATOR)\n"
        "def f(u):\n    return Membership.objects.filter(user=u)\n",
    )
    # The whole list is a listing too: which roles may be given is the access module's to say.
    listing = _write(
        tmp_path,
        "reparo/accounts/forms.py",
        "from reparo.accounts.models import Role\n"
        "CHOICES = [('', 'Choose'), *Role.choices]\nCODES = [r for r in Role]\nVALUES = Role.values\n",
    )
    fine = _write(tmp_path, "reparo/cases/forms.py", "CHOICES = TeamRole.choices\nROLE = Role\n")
    found = find_role_listings([bad, listing, fine], allowed={fine: "planted: allowed"})
    assert len(found) == 6 and sum("selectors.py" in f for f in found) == 3
    assert {f.split(" ")[1] for f in found if "forms.py" in f} == {"Role.choices", "Role", "Role.values"}


def test_it_lets_the_module_that_declares_roles_give_its_field_their_choices_and_nothing_more(tmp_path):
    declared = (
        "class Role(TextChoices):\n    A = 'a'\nclass Membership(Model):\n    role = CharField(choices=Role.choices)\n"
    )
    models = _write(tmp_path, "reparo/accounts/models.py", declared)
    assert find_role_listings([models], role_module=models) == []
    models.write_text(declared + "ADMIN = Role.A\n")
    assert "reparo/accounts/models.py:5 Role.A" in find_role_listings([models], role_module=models)
    models.write_text(declared + "CHOICES = Role.choices\n")  # a second list, for something else
    assert "reparo/accounts/models.py:5 Role.choices" in find_role_listings([models], role_module=models)


def test_it_catches_a_planted_lookup_that_ignores_its_actor(tmp_path):
    bad = _write(
        tmp_path,
        "selectors.py",
        "def thing_get_for(actor, parent, pk):\n    return parent.things.get(pk=pk)\n"
        "def other_get_for(actor, pk):\n    return visible(actor).get(pk=pk)\n",
    )
    assert find_lookups_ignoring_actor([bad]) == ["selectors.py:1 thing_get_for never reads 'actor'"]


def test_it_catches_a_planted_unregistered_lookup(tmp_path):
    bad = _write(
        tmp_path,
        "selectors.py",
        "@lookup('x.thing')\ndef thing_get_for(actor, pk):\n    '''Checks.'''\n    return actor\n"
        "def other_get_for(actor, pk):\n    return actor\n",
    )
    found = find_unregistered_lookups([bad])
    assert found == [
        "selectors.py:5 other_get_for is not registered with @lookup",
        "selectors.py:5 other_get_for does not say what it checks",
    ]


def test_it_catches_a_planted_hand_written_not_found(tmp_path):
    bad = _write(
        tmp_path,
        "reparo/x/selectors.py",
        "def thing(pk):\n    try:\n        return Thing.objects.get(pk=pk)\n"
        "    except (Thing.DoesNotExist, ValueError):\n        raise Http404 from None\n",
    )
    assert find_hand_written_not_found([bad]) == ["reparo/x/selectors.py:4"]


def test_it_catches_a_planted_import_cycle(tmp_path):
    root = tmp_path / "reparo"
    _write(tmp_path, "reparo/a/__init__.py", "")
    _write(tmp_path, "reparo/b/__init__.py", "")
    _write(tmp_path, "reparo/c/__init__.py", "")
    _write(tmp_path, "reparo/a/services.py", "from reparo.b.models import Thing\n")
    # A cycle hidden inside a function, through a third app, still counts.
    _write(tmp_path, "reparo/b/models.py", "def f():\n    from reparo.c import selectors\n")
    _write(tmp_path, "reparo/c/selectors.py", "import reparo.a.services\n")
    assert find_import_cycles(app_imports(root)) == [["a", "b", "c"]]
    _write(tmp_path, "reparo/c/selectors.py", "")
    assert find_import_cycles(app_imports(root)) == []


def test_it_uses_every_capability_it_declares():
    """The table says what the code does: a capability nobody asks for is removed, not kept for later."""
    from reparo.access.capabilities import ORG_GIVES_ON_EVERY_CASE, TEAM_ROLE_REQUIRES, Capability

    applied_by_the_table = set(TEAM_ROLE_REQUIRES.values()) | set(ORG_GIVES_ON_EVERY_CASE)
    code = "\n".join(
        p.read_text() for p in _python_files(REPARO) if p.name != "capabilities.py" or ACCESS not in p.parents
    )
    unused = [
        cap.name for cap in Capability if f"Capability.{cap.name}" not in code and cap not in applied_by_the_table
    ]
    assert not unused

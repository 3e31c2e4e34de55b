"""The package's layout: imports point one way, private names stay in their module,
modules and functions stay short, and the public API is the facades' lists."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "ecg_sklearn"
#: Bottom to top: a module may import only from its own layer or those before it.
LAYERS = [
    {"_validation", "_files", "_version", "_model_files"},
    {"signal"},
    {"features"},
    {"io"},
    {"record"},
    {"nn"},
    {"segmentation"},
    {"classifier"},
    {"pipeline"},
    {"metrics"},
    {"annotate"},
    {"review"},
    {"persistence"},
    {"shipped"},
    {"plotting"},
    {"explain"},
    {"report"},
    {"cli"},
    {"__main__", "__init__"},
]
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80  # of code, the docstring left out


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] == "data":
            continue
        parts = list(rel.with_suffix("").parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        yield ".".join(parts), path


def _imports(name, path):
    """(imported module, imported name) of every relative import, lazy ones included."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    if name == "__init__":
        package = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            module = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                yield module, alias.name


def _layer(module):
    top = module.split(".")[0] if module else "__init__"
    return next(i for i, layer in enumerate(LAYERS) if top in layer)


MODULES = dict(_modules())


def test_every_module_has_a_layer():
    for name in MODULES:
        _layer(name)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_point_down_and_keep_private_names_private(name):
    for module, imported in _imports(name, MODULES[name]):
        assert module != "" or name == "__init__", f"{name} imports the package root"
        assert _layer(module) <= _layer(name), f"{name} imports {module} (a later layer)"
        is_module = f"{module}.{imported}".strip(".") in MODULES
        if imported.startswith("_") and not is_module:
            assert imported == "__version__", f"{name} imports {module}.{imported}"


def test_no_import_cycle():
    graph = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        for module, imported in _imports(name, path):
            target = f"{module}.{imported}".strip(".")
            target = target if target in MODULES else module
            if target in MODULES and target != name:
                graph[name].add(target)
    state = {}

    def visit(node, trail):
        if state.get(node) == "done":
            return
        assert state.get(node) != "open", "import cycle: " + " -> ".join([*trail, node])
        state[node] = "open"
        for nxt in graph[node]:
            visit(nxt, [*trail, node])
        state[node] = "done"

    for node in graph:
        visit(node, [])


def test_modules_and_functions_are_short():
    long_modules, long_functions = [], []
    for name, path in MODULES.items():
        text = path.read_text()
        if len(text.splitlines()) > MAX_MODULE_LINES:
            long_modules.append(name)
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = node.body[0]
                has_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                start = node.body[1].lineno if has_doc and len(node.body) > 1 else node.lineno
                if node.end_lineno - start + 1 > MAX_FUNCTION_LINES:
                    long_functions.append(f"{name}.{node.name}")
    assert not long_modules and not long_functions, (long_modules, long_functions)


def test_public_api_is_the_facades_lists():
    import importlib

    public = {}
    for name in ["", "io", "signal", "features", "record", "annotate", "shipped", "nn"]:
        module = importlib.import_module(f"ecg_sklearn{'.' if name else ''}{name}")
        public[name] = list(module.__all__)
        for item in module.__all__:
            assert hasattr(module, item), f"ecg_sklearn.{name} lists {item} but lacks it"
    # One screen: the count of distinct names is stated in docs/design.md (the root
    # repeats a few main entry points of the subpackages).
    count = len(set().union(*public.values()) - {"__version__"})
    design = (PACKAGE.parent / "docs" / "design.md").read_text()
    assert f"{count} public names" in design, count

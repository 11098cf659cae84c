"""The README's op table is generated from the code; this fails when they disagree."""

from __future__ import annotations

import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _generator():
    spec = importlib.util.spec_from_file_location("api_table", ROOT / "tools" / "api_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_op_table_matches_the_code():
    api_table = _generator()
    in_readme = api_table.readme_section((ROOT / "README.md").read_text())
    assert in_readme == api_table.render(), (
        "README.md's op table is out of date: run `make docs` (python tools/api_table.py --write)"
    )


def test_table_covers_every_public_function_of_the_op_namespaces():
    import npgrad.linalg
    import npgrad.nn.functional

    documented = _generator().documented()
    for module in (npgrad.nn.functional, npgrad.linalg):
        for name in module.__all__:
            obj = getattr(module, name)
            if callable(obj) and not isinstance(obj, type):
                assert obj in documented, f"{module.__name__}.{name} is missing from the table"

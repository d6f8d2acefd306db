"""The typed stubs read as the API's documentation: every public class,
function, method and property in `_native.pyi` has its docstring, so an
editor shows it (the docstrings are the native module's own)."""

from __future__ import annotations

import ast
from pathlib import Path

import sessiontimer

STUB = Path(sessiontimer.__file__).with_name("_native.pyi")


def undocumented(body: list[ast.stmt], prefix: str = "") -> list[str]:
    missing = []
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            dunder = node.name.startswith("__") and node.name.endswith("__")
            if ast.get_docstring(node) is None and not dunder:
                missing.append(prefix + node.name)
            if isinstance(node, ast.ClassDef):
                missing += undocumented(node.body, f"{prefix}{node.name}.")
    return missing


def test_every_public_item_of_the_stubs_has_its_docstring() -> None:
    assert undocumented(ast.parse(STUB.read_text()).body) == []

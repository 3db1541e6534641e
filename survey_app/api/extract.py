"""Babel extraction for the API's views: their ``_()`` calls, and the summary and description of each endpoint's
docstring (flask-smorest writes them into the OpenAPI document; the docs page shows them translated)."""
from __future__ import annotations

import ast
import io
from collections.abc import Iterator

from babel.messages.extract import extract_python
from flask_smorest.utils import load_info_from_docstring


def extract_views(fileobj, keywords, comment_tags, options) -> Iterator[tuple]:
    """Yield what :func:`babel.messages.extract.extract_python` finds, then each routed view's summary and
    description, split as flask-smorest splits them."""
    source = fileobj.read()
    yield from extract_python(io.BytesIO(source), keywords, comment_tags, options)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and any(_is_route(d) for d in node.decorator_list):
            docstring = ast.get_docstring(node, clean=False)
            if docstring:
                info = load_info_from_docstring(docstring)
                for text in (info.get("summary"), info.get("description")):
                    if text:
                        yield node.lineno, None, text, []


def _is_route(decorator: ast.expr) -> bool:
    """Tell whether a decorator is ``@blp.route(...)``."""
    return (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr == "route")

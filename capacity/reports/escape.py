"""Escaping of user text for every HTML output, in one place.

Names of sites, districts, towns and points of interest, ids and scenario texts come from the
registry and the user's files: they are untrusted. ``html_text`` makes such text inert wherever a
report puts it: in element content and quoted attributes (``&``, ``<``, ``>``, quotes), and inside
the JavaScript template literals that folium wraps tooltips and popups in (backtick, ``$`` and
backslash as character references, so that no ``${...}`` is evaluated and no literal is ended).
The browser shows the text exactly as written.
"""

from __future__ import annotations

import html
from typing import Any

__all__ = ["html_text"]

_JS_TEMPLATE = {ord("`"): "&#96;", ord("$"): "&#36;", ord("\\"): "&#92;"}


def html_text(value: Any) -> str:
    """``value`` as text that is safe in HTML content, quoted attributes and folium's templates.

    Examples
    --------
    >>> html_text('<script>alert("x")</script>')
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
    >>> html_text("${alert(1)}`")
    '&#36;{alert(1)}&#96;'
    """
    return html.escape(str(value), quote=True).translate(_JS_TEMPLATE)

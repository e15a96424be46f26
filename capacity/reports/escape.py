"""Escaping of user text for every HTML output, in one place.

Names of sites, districts, towns and points of interest, ids and scenario texts come from the
registry and the user's files: they are untrusted. ``html_text`` makes such text inert wherever a
report puts it: in element content and quoted attributes (``&``, ``<``, ``>``, quotes), and inside
the JavaScript template literals that folium wraps tooltips and popups in (backtick, ``$`` and
backslash as character references, so that no ``${...}`` is evaluated and no literal is ended),
and inside folium's elements, which branca renders a second time as Jinja2 templates (braces as
character references, so that no ``{{ }}`` or ``{% %}`` in a name is evaluated on the machine that
writes the report). The browser shows the text exactly as written.

``md_text`` does the same for Markdown outputs: Markdown's characters that would make user text a
link or an image, a code span, a table cell or emphasis (backslash, backtick, square brackets,
bar, asterisk, underscore, tilde) are escaped with a backslash, line breaks become spaces (no new
block starts inside a name), and then ``&``, ``<`` and ``>`` become entities, so that no renderer
runs raw HTML from it (quotes stay: Markdown puts the text in content, never in an attribute).
"""

from __future__ import annotations

import html
from typing import Any

from markupsafe import Markup

__all__ = ["html_text", "md_text", "md_markup"]

_JS_TEMPLATE = {ord("`"): "&#96;", ord("$"): "&#36;", ord("\\"): "&#92;"}
_JINJA = {ord("{"): "&#123;", ord("}"): "&#125;"}
_REFERENCES = _JS_TEMPLATE | _JINJA


def html_text(value: Any) -> str:
    """``value`` as text that is safe in HTML content, quoted attributes and folium's templates.

    Examples
    --------
    >>> html_text('<script>alert("x")</script>')
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
    >>> html_text("${alert(1)}`")
    '&#36;&#123;alert(1)&#125;&#96;'
    >>> html_text("{{ 7*7 }}")
    '&#123;&#123; 7*7 &#125;&#125;'
    """
    return html.escape(str(value), quote=True).translate(_REFERENCES)


_MARKDOWN = {ord(c): "\\" + c for c in "\\`[]|*_~"} | {ord("\r"): " ", ord("\n"): " "}


def md_text(value: Any) -> str:
    """``value`` as text that any Markdown renderer shows as written (see the module).

    Examples
    --------
    >>> md_text("[klik](javascript:alert(1)) <b>|</b>")
    '\\\\[klik\\\\](javascript:alert(1)) &lt;b&gt;\\\\|&lt;/b&gt;'
    """
    return html.escape(str(value).translate(_MARKDOWN), quote=False)


def md_markup(value: Any) -> Any:
    """A jinja2 ``finalize`` for Markdown templates: text through ``md_text`` (marked safe, so
    that autoescaping does not escape it twice); numbers and ``Markup`` as they are."""
    return (
        Markup(md_text(value))
        if isinstance(value, str) and not isinstance(value, Markup)
        else value
    )

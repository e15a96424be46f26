"""Make folium's HTML self-contained: inline its scripts, stylesheets and fonts; fix its random ids.

The files come at run time from the installed PyPI package ``folium-offline`` (module
``offlinefolium``), which ships folium's CDN assets as strings keyed by their URL (fonts and images
already as data URIs). Only those strings are used; folium itself renders the map. Nothing is
copied into this repository.
"""

from __future__ import annotations

import functools
import re

from capacity.errors import UserError

# Bootstrap 3 glyphicons: unused (markers use Font Awesome) and their fonts are not inlined.
SKIP = ("bootstrap-glyphicons.css",)

_SCRIPT = re.compile(r'<script src="(?P<url>[^"]+)"></script>')
_LINK = re.compile(r'<link rel="stylesheet" href="(?P<url>[^"]+)"/>')
_ID = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")
_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}")
# One source of a font-face's src list: url(...) and an optional format("..."); base64 has no ")".
_FONT_SRC = re.compile(r'url\((?P<url>[^)]*)\)(?:\s*format\("[^"]*"\))?')


@functools.cache
def _library() -> dict[str, str]:
    try:
        from offlinefolium.elements import _res
    except ImportError:  # pragma: no cover - a dependency of the package
        raise UserError(
            "Kortets filer mangler: installér pakken med `pip install -e .` "
            "(den kræver folium-offline)."
        ) from None
    return dict(_res)


@functools.cache
def asset(url: str) -> str:
    """The content of one of folium's CDN files, from the installed ``folium-offline``.

    Stylesheets lose every font source that is not a data URI, so that no request can leave.

    Raises
    ------
    KeyError
        When the package does not ship ``url`` (a folium upgrade that needs a new asset).
    """
    text = _library()[url]
    if url.endswith(".css"):
        text = _FONT_FACE.sub(_data_fonts_only, text)
    return text


def _data_fonts_only(m: re.Match) -> str:
    """A font-face block with only its data-URI sources; nothing when it has none."""
    block = m[0]
    sources = list(_FONT_SRC.finditer(block))
    kept = [s[0] for s in sources if s["url"].strip("'\" ").startswith("data:")]
    if not kept:
        return ""
    if len(kept) == len(sources):
        return block
    return block[: sources[0].start()] + ",".join(kept) + block[sources[-1].end() :]


def inline_assets(html: str) -> str:
    """Replace each ``<script src>`` and stylesheet ``<link>`` of folium's output by the file itself.

    Raises
    ------
    KeyError
        When a referenced URL is not shipped by ``folium-offline``; the map would not work offline.
    """

    def script(m: re.Match) -> str:
        body = asset(m["url"]).replace("</script", "<\\/script")
        return f"<script>{body}</script>"

    def style(m: re.Match) -> str:
        if m["url"].endswith(SKIP):
            return ""
        return f"<style>{asset(m['url'])}</style>"

    return _LINK.sub(style, _SCRIPT.sub(script, html))


def normalise_ids(html: str) -> str:
    """Replace folium's random 32-hex element ids by ids numbered in order of appearance.

    Run it before ``inline_assets`` (so that the libraries are untouched): the same map then gives
    the same bytes.
    """
    seen: dict[str, str] = {}

    def number(m: re.Match) -> str:
        return seen.setdefault(m[0], f"{len(seen) + 1:032x}")

    return _ID.sub(number, html)


def strip_assets(html: str) -> str:
    """``html`` without the inlined library files: the part of a report that our code wrote.

    Privacy tests search this part for household ids and dates (minified libraries are full of
    short tokens such as "A1").
    """
    for url in _library():
        html = html.replace(asset(url), "")
    return html

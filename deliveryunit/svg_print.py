"""Plotly's SVG made quick for WeasyPrint to draw, looking the same.

Plotly writes SVG for a browser: every style in a `style` attribute, a group for every layer
whether or not it holds anything, and each marker its own path moved into place by a
transform. WeasyPrint draws SVG in Python, node by node, parsing each style with a CSS parser,
so a chart of a few lines costs it about as much as a page of text. This rewrites the SVG
without changing what it draws:

- styles become presentation attributes (the same properties, inherited the same way), and
  values that are the defaults anyway (`fill-opacity: 1`) or mean nothing on paper (pointer
  events, cursors) are dropped;
- empty groups are removed, and groups that only carry a class are replaced by their children;
- neighbouring paths drawn the same way (a trace's markers, an axis's grid lines) become one
  path, each moved by its own translation;
- classes, data attributes and ids nothing refers to are dropped.

Anything it does not understand is left as it was.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

# Part of each cached image's key: change it when the rewrite changes what it writes.
VERSION = 1

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
_S = f"{{{SVG_NS}}}"


# Properties that draw nothing on paper, or only repeat the initial value.
_DROP_PROPERTIES = {"pointer-events", "cursor", "user-select", "vector-effect", "touch-action"}
_DEFAULTS = {
    ("fill-opacity", "1"),
    ("stroke-opacity", "1"),
    ("opacity", "1"),
    ("white-space", "pre"),
}
_RGB = re.compile(r"rgb\(\s*(\d+),\s*(\d+),\s*(\d+)\s*\)")
_TRANSLATE = re.compile(r"^\s*translate\(\s*([-\d.e]+)(?:[\s,]+([-\d.e]+))?\s*\)\s*$")
_PATH_TOKEN = re.compile(r"[MmLlHhVvCcSsQqTtAaZz]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
# How many numbers each command takes, and which of them are x and y coordinates.
_ARGUMENTS = {"M": 2, "L": 2, "T": 2, "H": 1, "V": 1, "C": 6, "S": 4, "Q": 4, "A": 7, "Z": 0}


def _hex(match: re.Match[str]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(int(part) for part in match.groups()))


def _declarations(style: str) -> list[tuple[str, str]]:
    pairs = []
    for declaration in style.split(";"):
        name, colon, value = declaration.partition(":")
        name, value = name.strip().lower(), value.strip()
        if colon and name and value:
            pairs.append((name, value))
    return pairs


def _inline_styles(element: ET.Element) -> None:
    style = element.attrib.pop("style", None)
    for name, value in _declarations(style or ""):
        if name in _DROP_PROPERTIES or (name, value) in _DEFAULTS:
            continue
        if "!important" in value:
            element.set("style", style or "")  # beyond this rewrite: keep it all as it was
            return
        element.set(name, _RGB.sub(_hex, value))
    for name in list(element.attrib):
        if name == "class" or name.startswith("data-"):
            del element.attrib[name]


def _translation(element: ET.Element) -> tuple[float, float] | None:
    transform = element.get("transform")
    if transform is None:
        return (0.0, 0.0)
    match = _TRANSLATE.match(transform)
    if not match:
        return None
    return float(match.group(1)), float(match.group(2) or 0)


def _number(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def translate_path(d: str, dx: float, dy: float) -> str | None:
    """The path `d` moved by (dx, dy), written with the same commands; None if it cannot be
    read. Relative commands move with their start point, so only absolute coordinates (and a
    path's opening move, always absolute) change."""
    tokens = _PATH_TOKEN.findall(d)
    if not tokens or tokens[0] not in ("M", "m"):
        return None
    out: list[str] = []
    index = 0
    first = True
    command = ""
    while index < len(tokens):
        token = tokens[index]
        if token.isalpha():
            command = token
            index += 1
            if command in ("Z", "z"):
                out.append(command)
                continue
        elif not command or command in ("Z", "z"):
            return None
        upper = command.upper()
        count = _ARGUMENTS[upper]
        values = tokens[index : index + count]
        if len(values) != count:
            return None
        try:
            numbers = [float(v) for v in values]
        except ValueError:
            return None
        index += count
        absolute = command.isupper() or (first and command == "m")
        if absolute:
            if upper == "H":
                numbers[0] += dx
            elif upper == "V":
                numbers[0] += dy
            elif upper == "A":
                numbers[5] += dx
                numbers[6] += dy
            else:
                for position in range(0, count, 2):
                    numbers[position] += dx
                    numbers[position + 1] += dy
        letter = command.upper() if first and command == "m" else command
        out.append(letter + ",".join(_number(n) for n in numbers))
        first = False
        # After a move, further pairs are lines (implicitly, in the same case).
        if command == "M":
            command = "L"
        elif command == "m":
            command = "l"
    return "".join(out)


def _drawn_alike(a: ET.Element, b: ET.Element) -> bool:
    ignore = {"d", "transform"}
    return {k: v for k, v in a.attrib.items() if k not in ignore} == {
        k: v for k, v in b.attrib.items() if k not in ignore
    }


def _mergeable(element: ET.Element) -> bool:
    if element.tag != f"{_S}path" or len(element) or "d" not in element.attrib:
        return False
    # Overlapping parts of one path are painted once. With opaque paint that looks the same;
    # an element's `opacity` applies to what it paints as a whole, so the markers of a trace
    # look the same too, but see-through fill or stroke and even-odd fills would not.
    for name in ("fill-opacity", "stroke-opacity"):
        if element.get(name) not in (None, "1"):
            return False
    fill = element.get("fill", "")
    if fill.startswith("rgba") or element.get("fill-rule") == "evenodd" or "id" in element.attrib:
        return False
    return _translation(element) is not None


def _merge_paths(parent: ET.Element) -> None:
    children = list(parent)
    merged: list[ET.Element] = []
    for child in children:
        last = merged[-1] if merged else None
        if (
            last is not None
            and _mergeable(child)
            and _mergeable(last)
            and _drawn_alike(last, child)
        ):
            moved = _moved(child)
            if moved is not None:
                last.set("d", last.get("d", "") + moved)
                continue
        if _mergeable(child):
            moved = _moved(child)
            if moved is not None:
                child.set("d", moved)
                child.attrib.pop("transform", None)
        merged.append(child)
    if len(merged) != len(children):
        for child in children:
            parent.remove(child)
        parent.extend(merged)


def _moved(element: ET.Element) -> str | None:
    offset = _translation(element)
    if offset is None:
        return None
    return translate_path(element.get("d", ""), *offset)


def _simplify(element: ET.Element, referenced: set[str]) -> None:
    for child in list(element):
        _simplify(child, referenced)
    # Replace groups that draw nothing themselves by their children, in place.
    new_children: list[ET.Element] = []
    changed = False
    for child in element:
        if child.tag == f"{_S}g" and not (set(child.attrib) - {"class"}):
            new_children.extend(child)
            changed = True
        else:
            new_children.append(child)
    if changed:
        for child in list(element):
            element.remove(child)
        element.extend(new_children)
    _merge_paths(element)
    for name in list(element.attrib):
        if name == "id" and element.get("id") not in referenced and element.tag != f"{_S}clipPath":
            del element.attrib[name]


def _is_empty_group(element: ET.Element) -> bool:
    return element.tag in (f"{_S}g", f"{_S}defs") and len(element) == 0


def _drop_empty(element: ET.Element) -> None:
    for child in list(element):
        _drop_empty(child)
        if _is_empty_group(child):
            element.remove(child)


def print_svg(svg: bytes) -> bytes:
    """`svg` (from plotly) rewritten to draw the same, faster; as it was if it cannot be read.
    plotly writes no DOCTYPE; one with a DOCTYPE is left as it is, unparsed, so no entity is
    ever expanded (the XML attacks need a DTD to declare their entities)."""
    if b"<!DOCTYPE" in svg:
        return svg
    try:
        root = ET.fromstring(svg)  # noqa: S314  # nosec B314  # no DTD: refused above
    except ET.ParseError:
        return svg
    if root.tag != f"{_S}svg":
        return svg
    for element in root.iter():
        if element is not root:
            _inline_styles(element)
    root.attrib.pop("class", None)
    if not root.get("style"):
        root.attrib.pop("style", None)
    text = ET.tostring(root, encoding="unicode")
    referenced = set(re.findall(r"url\(#([^)]+)\)", text)) | set(
        re.findall(r'href="#([^"]+)"', text)
    )
    _drop_empty(root)
    _simplify(root, referenced)
    _drop_empty(root)
    return _serialise(root)


def _serialise(root: ET.Element) -> bytes:
    # ElementTree would write "ns0:" before every tag: write plain names under a default
    # namespace instead, as plotly does.
    xlink = f"{{{XLINK_NS}}}"
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith(_S):
            element.tag = element.tag[len(_S) :]
        for name in [n for n in element.attrib if n.startswith(xlink)]:
            element.set(f"xlink:{name[len(xlink) :]}", element.attrib.pop(name))
    root.set("xmlns", SVG_NS)
    root.set("xmlns:xlink", XLINK_NS)
    return ET.tostring(root, encoding="utf-8", xml_declaration=False)

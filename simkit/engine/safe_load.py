"""Reading the TOML and YAML files people hand the kit, safely, and quoting them briefly.

A scenario or sweep file comes from a person -- or from someone who wants to see what
breaks. Parsing it must cost little whatever it holds, and every error must be one short
line. Four things stand in the way, and :func:`read_mapping` deals with each:

* **size**: a settings file is a few kilobytes; anything over :data:`MAX_FILE_BYTES` is
  refused before it is read;
* **nesting**: ``[[[[...]]]]`` 5,000 deep overflows the parsers' recursion; nesting deeper
  than :data:`MAX_DEPTH` is refused (YAML while it is composed, TOML after parsing);
* **YAML aliases** ("billion laughs"): nine anchors, each a list of nine aliases to the
  previous one, are a 2 kB file that expands to 387 million strings. :class:`SafeLoader`
  measures the *expanded* document while composing it (shared nodes counted once per use,
  in linear time) and refuses anything over :data:`MAX_YAML_NODES` nodes, more than
  :data:`MAX_YAML_ALIASES` aliases, or an alias that contains itself;
* **duplicate keys**: YAML silently keeps the last of two equal keys (TOML already refuses
  them); :class:`SafeLoader` refuses them, naming the key and its line.

:func:`excerpt` quotes a value in at most a few dozen characters, so that an error message
about a 100,000-character name -- or a list of a million items -- stays one short line.

>>> parse_yaml("team:\\n  managers: 3\\n  managers: 4\\n")
Traceback (most recent call last):
...
simkit.engine.safe_load.FileFormatError: not valid YAML: line 3: duplicate key 'managers' ...
>>> excerpt("x" * 1000)
"'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx..."
"""

from __future__ import annotations

import os
import reprlib
import tomllib
from pathlib import Path
from typing import Any

import yaml

MAX_FILE_BYTES = 1_000_000
"""Largest scenario or sweep file read (1 MB; the default scenario is about 3 kB)."""

MAX_DEPTH = 32
"""Deepest nesting of tables and lists accepted (a scenario needs 3 levels)."""

MAX_YAML_ALIASES = 200
"""Most YAML aliases (``*name``) one file may use."""

MAX_YAML_NODES = 20_000
"""Most values a YAML document may hold once its aliases are expanded."""

EXCERPT_CHARS = 60
"""Longest quotation of a value in an error message."""


class FileFormatError(ValueError):
    """A settings file cannot be read: not valid TOML/YAML, too big, too deep, or a bomb.

    The message is one short line without the file name; callers add it.
    """


_REPR = reprlib.Repr()
_REPR.maxstring = 10 * EXCERPT_CHARS
_REPR.maxother = EXCERPT_CHARS
_REPR.maxlong = 30
_REPR.maxlevel = 3
for _name in ("maxlist", "maxtuple", "maxdict", "maxset", "maxfrozenset", "maxdeque"):
    setattr(_REPR, _name, 4)


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """``repr(value)`` cut to at most ``limit`` characters (ending in ``...`` when cut).

    Cheap for any value: containers are quoted a few items deep, never expanded whole.

    >>> excerpt(3), excerpt([1, 2, 3, 4, 5, 6]), excerpt(10**5000)
    ('3', '[1, 2, 3, 4, ...]', '<a number of about 5001 digits>')
    """
    if type(value).__module__ == "numpy" and getattr(value, "ndim", None) == 0:
        value = value.item()  # a numpy scalar reads as the number it holds
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 100:
        return f"<a number of about {int(value.bit_length() * 0.30103) + 1} digits>"
    try:
        text = _REPR.repr(value[: limit + 1] if isinstance(value, str) else value)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not hide the real error
        text = f"<{type(value).__name__}>"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def shorten(text: str, limit: int = 120) -> str:
    """Plain text on one line, cut to at most ``limit`` characters (``...`` when cut).

    >>> shorten("a  long" + chr(10) + "message", 10)
    'a long ...'
    """
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 4] + " ..."


def _number_problem(exc: Exception) -> str:
    """What a parser's ValueError (an integer of 5,000 digits, say) means, in a few words."""
    text = str(exc)
    if "integer string conversion" in text:
        return "a number has more than 4,300 digits"
    return shorten(text)


# -- YAML ---------------------------------------------------------------------------------
class SafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses duplicate keys, deep nesting and alias bombs.

    Use it through :func:`parse_yaml`. The budgets are :data:`MAX_DEPTH`,
    :data:`MAX_YAML_ALIASES` and :data:`MAX_YAML_NODES`.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D102 - see the class
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_YAML_ALIASES:
                event = self.peek_event()
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"more than {MAX_YAML_ALIASES} aliases (*name); write the values out",
                    event.start_mark,
                )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                event = self.peek_event()
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_DEPTH} levels deep", event.start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def get_single_node(self) -> Any:  # noqa: D102 - see the class
        node = super().get_single_node()
        if node is not None:
            _measure(node)
        return node

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:  # noqa: D102
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue  # '<<: *base' merges are overridden by explicit keys, by design
                key = self.construct_object(key_node, deep=True)
                try:
                    hash(key)
                except TypeError:
                    continue  # the base class refuses unhashable keys with its own message
                line = key_node.start_mark.line + 1
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"duplicate key {excerpt(key, 40)} (first on line {seen[key]}); "
                        "keep one of them",
                        key_node.start_mark,
                    )
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


def _children(node: Any) -> list[Any]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _measure(root: Any) -> None:
    """Refuse a composed YAML document whose expansion is too big or too deep, or cyclic.

    Iterative depth-first walk over the node graph; each distinct node is measured once, so
    a billion-laughs document costs as little as its text.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            kids = _children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            on_path.discard(key)
            mark = node.start_mark
            if size[key] > MAX_YAML_NODES:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"aliases expand to more than {MAX_YAML_NODES:,} values (a 'billion "
                    "laughs' file?); write the values out",
                    mark,
                )
            if depth[key] > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"aliases nest more than {MAX_DEPTH} levels deep", mark
                )
            continue
        if key in size:
            continue
        on_path.add(key)
        stack.append((node, True))
        for kid in _children(node):
            if id(kid) in on_path:
                raise yaml.composer.ComposerError(
                    None, None, "an alias refers to a value that contains it", kid.start_mark
                )
            if id(kid) not in size:
                stack.append((kid, False))


def _yaml_detail(exc: yaml.YAMLError) -> str:
    """One line for a YAML error: ``line N: what is wrong``."""
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}: " if mark is not None else ""
        return f"{where}{shorten(exc.problem)}"
    text = str(exc).strip().splitlines()
    return shorten(text[0] if text else type(exc).__name__)


def parse_yaml(text: str) -> Any:
    """YAML text as Python data with :class:`SafeLoader`; :class:`FileFormatError` if bad.

    >>> parse_yaml("a: &x [1, 2]\\nb: *x\\n")
    {'a': [1, 2], 'b': [1, 2]}
    """
    loader = SafeLoader(text)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        raise FileFormatError(f"not valid YAML: {_yaml_detail(exc)}") from None
    except (ValueError, OverflowError) as exc:  # e.g. an integer of 5,000 digits
        raise FileFormatError(f"not valid YAML: {_number_problem(exc)}") from None
    except RecursionError:
        raise FileFormatError(f"not valid YAML: nested more than {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()


# -- TOML ---------------------------------------------------------------------------------
def parse_toml(text: str) -> dict[str, Any]:
    """TOML text as a dict; :class:`FileFormatError` for bad or too deeply nested TOML.

    >>> parse_toml("x = " + "[" * 5000 + "]" * 5000)
    Traceback (most recent call last):
    ...
    simkit.engine.safe_load.FileFormatError: not valid TOML: nested more than 32 levels deep
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        lines = str(exc).strip().splitlines()
        raise FileFormatError(f"not valid TOML: {shorten(lines[0])}") from None
    except RecursionError:
        raise FileFormatError(f"not valid TOML: nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as exc:  # e.g. an integer of 5,000 digits
        raise FileFormatError(f"not valid TOML: {_number_problem(exc)}") from None
    check_depth(data, "not valid TOML: ")
    return data


def check_depth(data: object, prefix: str = "") -> None:
    """Refuse data nested deeper than :data:`MAX_DEPTH` (iteratively: no recursion).

    >>> check_depth({"a": {"b": [1, 2]}})
    """
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        item, level = stack.pop()
        if level > MAX_DEPTH:
            raise FileFormatError(f"{prefix}nested more than {MAX_DEPTH} levels deep")
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)


# -- files --------------------------------------------------------------------------------
SUFFIXES = (".toml", ".yaml", ".yml")
"""The settings file types :func:`read_mapping` reads."""


def read_text(path: str | os.PathLike[str], what: str = "file") -> str:
    """A small UTF-8 text file's contents; :class:`FileFormatError` (without the file name)
    for a missing file, a folder, an unreadable or oversized file, or a non-UTF-8 one."""
    path = Path(path)
    if path.is_dir():
        raise FileFormatError(f"is a folder; give the {what} itself")
    if not path.is_file():
        raise FileFormatError(f"no such {what}")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise FileFormatError(
                f"{size:,} bytes is too big for a {what} (at most {MAX_FILE_BYTES:,})"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise FileFormatError(f"cannot read the file ({exc.strerror or exc})") from None
    if b"\x00" in data:
        raise FileFormatError(f"cannot read the file (binary data, not a {what})")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise FileFormatError(
            f"cannot read the file (not UTF-8 text: byte 0x{data[exc.start]:02x})"
        ) from None


def read_mapping(
    path: str | os.PathLike[str],
    what: str = "scenario file",
    suffixes: tuple[str, ...] = SUFFIXES,
) -> dict[str, Any]:
    """The table of a ``.toml``/``.yaml``/``.yml`` file, every protection above applied.

    Raises :class:`FileFormatError` with a one-line message *without* the file name (the
    caller names the file), e.g. ``"not valid YAML: line 3: duplicate key 'managers' ..."``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in suffixes:
        raise FileFormatError(f"{what}s must end in {_either(suffixes)}")
    text = read_text(path, what)
    data = parse_toml(text) if suffix == ".toml" else parse_yaml(text)
    if not isinstance(data, dict):
        raise FileFormatError(f"expected a table of fields at the top level, got {excerpt(data)}")
    return data


def _either(suffixes: tuple[str, ...]) -> str:
    return ", ".join(suffixes[:-1]) + " or " + suffixes[-1] if len(suffixes) > 1 else suffixes[0]

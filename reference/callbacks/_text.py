"""Terminal text styling shared by the printing handlers (langchain_core's ``utils.input``)."""

from __future__ import annotations

from typing import TextIO

__all__ = ["get_bolded_text", "get_color_mapping", "get_colored_text", "print_text"]

#: ANSI colour codes by name, as LangChain's printing handlers use them.
_COLORS = {"blue": "36;1", "yellow": "33;1", "pink": "38;5;200", "green": "32;1", "red": "31;1"}


def get_colored_text(text: str, color: str) -> str:
    """``text`` in ``color`` and italic bold, then the style reset."""
    return f"\x1b[{_COLORS[color]}m\x1b[1;3m{text}\x1b[0m"


def get_bolded_text(text: str) -> str:
    """``text`` in bold, then the style reset."""
    return f"\x1b[1m{text}\x1b[0m"


def get_color_mapping(items: list[str], excluded_colors: list[str] | None = None
                      ) -> dict[str, str]:
    """A colour name for each item, cycling through the colours not excluded."""
    colors = [c for c in _COLORS if c not in (excluded_colors or ())]
    if not colors:
        raise ValueError("No colors available after applying exclusions.")
    return {item: colors[i % len(colors)] for i, item in enumerate(items)}


def print_text(text: str, color: str | None = None, end: str = "",
               file: TextIO | None = None) -> None:
    """Print ``text`` (coloured if ``color``) with no newline unless ``end`` has one; a file
    is flushed at once so what it holds follows the run."""
    print(get_colored_text(text, color) if color else text, end=end, file=file)
    if file:
        file.flush()

"""``langchain_core.utils``'s names the reference has: the terminal text helpers the printing
handlers use, and (in ``utils.json``) the lenient JSON parsing of the JSON parsers."""

from reference.callbacks._text import (
    get_bolded_text,
    get_color_mapping,
    get_colored_text,
    print_text,
)

__all__ = ["get_bolded_text", "get_color_mapping", "get_colored_text", "print_text"]

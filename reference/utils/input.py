"""``langchain_core.utils.input``: coloured and bold terminal text, at the same path."""

from reference.callbacks._text import (
    get_bolded_text,
    get_color_mapping,
    get_colored_text,
    print_text,
)

__all__ = ["get_bolded_text", "get_color_mapping", "get_colored_text", "print_text"]

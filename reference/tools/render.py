"""``langchain_core.tools.render``'s text descriptions of tools, at the same path."""

from reference.tools._render import (
    ToolsRenderer,
    render_text_description,
    render_text_description_and_args,
)

__all__ = ["ToolsRenderer", "render_text_description", "render_text_description_and_args"]

"""``langchain_core.output_parsers.xml``'s XML parser, at the same path."""

from reference.output_parsers._xml import XMLOutputParser, nested_element

__all__ = ["XMLOutputParser", "nested_element"]

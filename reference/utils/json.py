"""``langchain_core.utils.json``: JSON from a model's text (in a markdown fence, or cut
short while streamed), at the same path."""

from reference.output_parsers._json import parse_json_markdown, parse_partial_json

__all__ = ["parse_json_markdown", "parse_partial_json"]

"""Reference engine for LangChain-style runnables and callback propagation.

Public names mirror ``langchain_core`` so handler code ported by changing the
import prefix keeps working; see SPEC.md for the rules this engine obeys.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]

"""``langchain_core.vectorstores.utils``'s ``maximal_marginal_relevance``, at the same path
(on lists of floats; a numpy array works too, row by row)."""

from reference.vectorstores._similarity import maximal_marginal_relevance

__all__ = ["maximal_marginal_relevance"]

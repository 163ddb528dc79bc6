"""Cosine similarity and maximal marginal relevance over plain lists of floats.

Where langchain_core's numpy code has corner cases a scenario can see, these
behave the same: a zero vector is 0.0 similar to anything (its NaN is zeroed),
unless every similarity is NaN, which is a ``ValueError``; vectors of different
widths are a ``ValueError``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["cosine_similarities", "maximal_marginal_relevance"]

Vector = Sequence[float]


def _norm(v: Vector) -> float:
    return math.sqrt(math.fsum(x * x for x in v))


def cosine_similarities(query: Vector, vectors: Sequence[Vector]) -> list[float]:
    """The cosine similarity of ``query`` to each of ``vectors``."""
    if not vectors:
        return []
    width = len(query)
    if any(len(v) != width for v in vectors):
        widths = sorted({len(v) for v in vectors})
        y_shape = f"({len(vectors)}, {widths[0]})" if len(widths) == 1 else f"rows of {widths}"
        raise ValueError(
            "Number of columns in X and Y must be the same. X has shape "
            f"(1, {width}) and Y has shape {y_shape}."
        )
    q_norm = _norm(query)
    out: list[float] = []
    defined = False
    for v in vectors:
        denominator = q_norm * _norm(v)
        if denominator == 0.0:
            out.append(0.0)
            continue
        defined = True
        out.append(math.fsum(a * b for a, b in zip(query, v)) / denominator)
    if not defined:
        raise ValueError("NaN values found, please remove the NaN values and try again")
    return out


def _cosine(a: Vector, b: Vector) -> float:
    denominator = _norm(a) * _norm(b)
    return math.fsum(x * y for x, y in zip(a, b)) / denominator if denominator else 0.0


def maximal_marginal_relevance(
    query_embedding: Vector,
    embedding_list: Sequence[Vector],
    lambda_mult: float = 0.5,
    k: int = 4,
) -> list[int]:
    """Indices of up to ``k`` of ``embedding_list``, picked one by one: first the most similar
    to the query, then each time the one best trading similarity to the query (weight
    ``lambda_mult``) against similarity to those already picked (weight ``1 - lambda_mult``)."""
    limit = min(k, len(embedding_list))
    if limit <= 0:
        return []
    to_query = cosine_similarities(query_embedding, embedding_list)
    first = max(range(len(to_query)), key=to_query.__getitem__)
    picked = [first]
    while len(picked) < limit:
        best, best_score = -1, -math.inf
        for i, similarity in enumerate(to_query):
            if i in picked:
                continue
            redundancy = max(_cosine(embedding_list[i], embedding_list[j]) for j in picked)
            score = lambda_mult * similarity - (1 - lambda_mult) * redundancy
            if score > best_score:
                best, best_score = i, score
        picked.append(best)
    return picked

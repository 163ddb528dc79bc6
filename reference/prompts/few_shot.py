"""``langchain_core.prompts.few_shot``'s few-shot prompts, at the same path."""

from reference.prompts._few_shot import FewShotChatMessagePromptTemplate, FewShotPromptTemplate

__all__ = ["FewShotChatMessagePromptTemplate", "FewShotPromptTemplate"]

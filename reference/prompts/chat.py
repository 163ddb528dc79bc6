"""``langchain_core.prompts.chat``'s public names the reference has, at the same path."""

from reference.prompts._chat import ChatPromptTemplate
from reference.prompts._placeholder import MessagesPlaceholder

__all__ = ["ChatPromptTemplate", "MessagesPlaceholder"]

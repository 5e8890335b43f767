"""LLM back-ends, one file each; registered by name in `greenroom.llm.factory`."""

"""The interview domain: question bank, plan, interviewer with follow-ups, hybrid grading, report.

May import `greenroom.llm`, `greenroom.ethics`, `greenroom.privacy`, `greenroom.embeddings`, `config` and
`errors` only (see tests/test_architecture.py). Heavy models load on first use, never at import.
"""

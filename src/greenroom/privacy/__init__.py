"""Privacy: PII redaction, encryption and keys, retention, minimisation, and the no-egress guard."""

"""The domain errors services raise when a rule says no: a stable code, a message, and the
violations (``policies.engine.Finding``) that decided it."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal by a service: ``code`` for tests and reports, ``message`` for people."""

    def __init__(self, code: str, message: str = "", violations=()):
        super().__init__(message or code)
        self.code = code
        self.message = message or code
        self.violations = tuple(violations)

"""Domain errors: what a service raises when a rule says no.

A caller matches on ``code`` (stable, never translated); ``message`` is for people and may
be a lazy translation; ``violations`` lists the engine's findings, or dicts of
``{"code", "template", "params"}``, when rules refused.
"""

from __future__ import annotations


class DomainError(Exception):
    """A refused operation, with a stable code, a message and the rules that refused it."""

    code = "refused"

    def __init__(self, message="", *, code: str | None = None, violations=()):
        self.code = code or self.code
        self.message = message
        self.violations = list(violations)
        super().__init__(str(message) if message else self.code)

    def __str__(self) -> str:
        return str(self.message) if self.message else self.code


class BindingRefused(DomainError):
    """A binding cannot be requested, activated or revoked."""

    code = "binding_refused"


class CorrectionRefused(DomainError):
    """A correction of a person's record (identity number, recorded death) cannot be made."""

    code = "correction_refused"

"""The accounts app's models, one module per area; Django finds them here."""

from .audit import AuditEvent
from .imports import ImportRowError, ImportRun, shown_encoding
from .persons import InsuredPerson, PersonalAccount

__all__ = [
    "AuditEvent",
    "ImportRowError",
    "ImportRun",
    "InsuredPerson",
    "PersonalAccount",
    "shown_encoding",
]

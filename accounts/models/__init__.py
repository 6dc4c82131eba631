"""The accounts app's models, one module per area; Django finds them here."""

from .audit import AuditEvent
from .bindings import Binding
from .imports import ImportRowError, ImportRun, shown_encoding
from .persons import InsuredPerson, PersonalAccount

__all__ = [
    "AuditEvent",
    "Binding",
    "ImportRowError",
    "ImportRun",
    "InsuredPerson",
    "PersonalAccount",
    "shown_encoding",
]

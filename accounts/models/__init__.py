"""The accounts app's models, one module per area; Django finds them here."""

from .audit import AuditEvent
from .bindings import Binding
from .imports import ImportRowError, ImportRun, shown_encoding
from .ledger import Journal, LedgerEntry, Payment, Wallet, WalletTransfer
from .persons import InsuredPerson, PersonalAccount
from .proofs import KinshipProof, OutboxMessage, PersonLookup, ProofEvent, ProofPage

__all__ = [
    "AuditEvent",
    "Binding",
    "ImportRowError",
    "ImportRun",
    "InsuredPerson",
    "Journal",
    "LedgerEntry",
    "Payment",
    "KinshipProof",
    "OutboxMessage",
    "PersonLookup",
    "PersonalAccount",
    "ProofEvent",
    "ProofPage",
    "Wallet",
    "WalletTransfer",
    "shown_encoding",
]

"""The accounts app's admin pages, one module per area; importing them registers them."""

from . import bindings, import_runs, ledger, lookups, persons, proofs  # noqa: F401 - registers the model admins

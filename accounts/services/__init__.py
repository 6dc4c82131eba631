"""The only writers of the accounts app: one module per area, each function one change.

Admin views, management commands, the import worker and tests call these; each runs in a
transaction and records who acted.
"""

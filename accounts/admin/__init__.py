"""The accounts app's admin pages, one module per area; importing them registers them."""

from . import import_runs, persons  # noqa: F401 - registers the model admins

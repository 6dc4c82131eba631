"""The portal's date and time formats, one per language (``FORMAT_MODULE_PATH``).

One way of writing a date everywhere: 2026-01-01, as the import files, the reports and
the search write it; a time without seconds: 2026-01-01 09:30. Whatever this module does
not set comes from Django's own formats for the language.
"""

"""Enrollment import: read CSV/XLSX extracts, validate each row, upsert in set-based chunks."""

"""Map an enrollment file's header to fields: where each column is, and which are ignored."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy

from accounts.messages import Message

from .records import RowError
from .vocabulary import DERIVED_KEYS, FIELDS, MEND_TITLE, REQUIRED, SYNONYMS, title_key


class MissingColumns(Exception):
    """The header lacks a required column; ``said`` names them."""

    code = "missing_columns"

    def __init__(self, missing: list[str]):
        self.missing = missing
        names = "、".join(FIELDS[m][0] for m in missing)
        self.said = Message(
            gettext_lazy("Required columns are missing: %(names)s."), {"names": names}
        )
        super().__init__(self.said)


@dataclass
class Columns:
    """Where each field is in the file, and which columns are ignored."""

    index: dict[str, int]
    header: list[str]
    ignored: list[str]  # columns no field is known by
    repeated: list[str] = field(default_factory=list)  # a field's column again: not read
    line: int = 1  # of the header: below a title and notes, which were skipped
    #: sex and birth date, as the portal's own export has them: the identity number says both
    derived: list[str] = field(default_factory=list)

    @classmethod
    def from_header(cls, header: list[str], line: int = 1) -> Columns:
        index: dict[str, int] = {}
        ignored, repeated, derived = [], [], []
        for position, title in enumerate(header):
            name = SYNONYMS.get(title_key(title))
            if name and name not in index:
                index[name] = position
            elif name:
                repeated.append(title)
            elif title_key(title) in DERIVED_KEYS:
                derived.append(title)
            elif title.strip() and title_key(title) != title_key(MEND_TITLE):
                ignored.append(title)
        missing = [f for f in REQUIRED if f not in index]
        if missing:
            raise MissingColumns(missing)
        return cls(index, header, ignored, repeated, line, derived)

    @classmethod
    def can_head(cls, row: list[str]) -> bool:
        """Whether ``row`` names every required column: a row that can be the header."""
        try:
            cls.from_header(row)
        except MissingColumns:
            return False
        return True

    def title(self, name: str) -> str:
        return self.header[self.index[name]] if name in self.index else FIELDS[name][0]

    @property
    def warnings(self) -> list[Message]:
        """Return what the run record and the preview say about the header."""
        said = []
        if self.line > 1:
            said.append(
                Message(
                    gettext_lazy(
                        "The header is on line %(line)d: the line above it (a title or notes) "
                        "was skipped."
                    ),
                    {"line": self.line, "count": self.line - 1},
                    plural=gettext_lazy(
                        "The header is on line %(line)d: the %(count)d lines above it (a title "
                        "or notes) were skipped."
                    ),
                    count="count",
                )
            )
        if self.ignored:
            said.append(
                Message(
                    gettext_lazy("Unknown columns were ignored: %(names)s."),
                    {"names": "、".join(self.ignored)},
                )
            )
        if self.derived:
            said.append(
                Message(
                    gettext_lazy(
                        "%(names)s: taken from the identity number, so these columns were not read."
                    ),
                    {"names": "、".join(self.derived)},
                )
            )
        if self.repeated:
            said.append(
                Message(
                    gettext_lazy(
                        "Columns given twice: %(names)s. Only the first of each was read."
                    ),
                    {"names": "、".join(self.repeated)},
                )
            )
        return said

    def broken_line(self, broken) -> RowError:
        """Return the fault of a line the reader could not read as a row (``BrokenLine``)."""
        if broken.reason == "unclosed_quote":
            message = Message(
                gettext_lazy(
                    "A value on this line opens a double quote that is never closed: the line "
                    "was not imported, and the lines after it were read as rows. Remove the "
                    "quote or close it."
                )
            )
        else:
            message = Message(
                gettext_lazy(
                    "A value on this line is longer than %(max)s characters: the line was not "
                    "imported, and the lines after it were read as rows."
                ),
                {"max": f"{csv.field_size_limit():,}"},
            )
        position = broken.position
        column = self.header[position] if position < len(self.header) else ""
        return RowError(broken.line, column, broken.reason, message, broken.values)

    def duplicate(self, line: int, first: int, values: list[str]) -> RowError:
        """Return the fault of a row whose identity number was already on line ``first``."""
        return RowError(
            line,
            self.title("national_id"),
            "duplicate_in_file",
            Message(
                gettext_lazy("The same identity number is on line %(line)d; that row was used."),
                {"line": first},
            ),
            values,
        )

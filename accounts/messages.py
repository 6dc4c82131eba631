"""What the portal stores for people to read, as a template and its parameters.

Shown in the reader's language: an import's faults and messages, a decision's reasons.

A run's message and warnings and each row's fault are stored as a ``Message``'s
``as_json()``: the untranslated template (the msgid), its parameters, and for a plural
the other form and which parameter counts. ``render`` translates the template when the
text is shown, so a supervisor reading in English reads a Chinese caseworker's run in
English, and the reverse, from one stored copy (as ``LogEntry.change_message`` does).
Text stored before this (one copy per language) is kept as ``{"literal": …}``.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext, ngettext


def _msgid(template) -> str:
    """Return the untranslated text of a lazy translation (or of a plain string)."""
    if translation.get_language() is None:  # translations off already (a batch of faults)
        return str(template)
    with translation.override(None):
        return str(template)


class Message:
    """A message: a template (a lazy translation) and its parameters; ``str()`` renders it.

    ``plural`` and ``count`` make a plural message: ``plural`` is the other form, and
    ``params[count]`` the number that chooses between them. A parameter may itself be a
    ``Message`` (a message quoting another) or a lazy translation.
    """

    __slots__ = ("template", "params", "plural", "count")

    def __init__(self, template, params: dict | None = None, *, plural=None, count: str = ""):
        self.template = template
        self.params = params
        self.plural = plural
        self.count = count

    @classmethod
    def of(cls, said) -> Message:
        """Return ``said`` as a Message: it is one already, or a text to show as it is."""
        return said if isinstance(said, Message) else cls(said)

    def __str__(self) -> str:
        if self.plural is not None:
            text = ngettext(_msgid(self.template), _msgid(self.plural), self.params[self.count])
        else:
            text = str(self.template)
        if not self.params:
            return text
        return text % {key: _shown(value) for key, value in self.params.items()}

    def as_json(self) -> dict:
        """Return the message as stored: untranslated, with plain parameters."""
        data: dict = {"text": _msgid(self.template)}
        if self.params:
            data["params"] = {key: _stored(value) for key, value in self.params.items()}
        if self.plural is not None:
            data["plural"], data["count"] = _msgid(self.plural), self.count
        return data

    def __eq__(self, other) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))

    def __repr__(self) -> str:
        return repr(str(self))


def _shown(value):
    return str(value) if isinstance(value, Message) or _is_lazy(value) else value


def _stored(value):
    if isinstance(value, Message):
        return {"message": value.as_json()}
    if _is_lazy(value):
        return {"message": {"text": _msgid(value)}}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # a date, an amount: as ``%s`` would show it


def _is_lazy(value) -> bool:
    return type(value).__name__ == "__proxy__"


def render(data: dict | None) -> str:
    """Return a stored message (``Message.as_json()``) in the reader's language; "" for none."""
    if not data:
        return ""
    if "literal" in data:  # stored before messages were: the portal's language and English
        reads_english = (translation.get_language() or "").startswith("en")
        return (
            data.get("literal_en") if reads_english and data.get("literal_en") else data["literal"]
        )
    params = {key: _rendered_param(value) for key, value in (data.get("params") or {}).items()}
    if "plural" in data:
        text = ngettext(data["text"], data["plural"], params[data["count"]])
    else:
        text = gettext(data["text"]) if data["text"] else ""
    return text % params if params else text


def _rendered_param(value):
    if isinstance(value, dict) and "message" in value:
        return render(value["message"])
    return value

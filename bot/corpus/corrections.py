"""Per-transcript fixes for mis-heard caption words, applied to search text and quotes.

The stored transcript stays as it was captioned; corrections are applied when
passages are built and when quotes are checked.
"""

from __future__ import annotations

import re
import unicodedata

FILLERS = {"um", "uh", "erm", "hmm", "mm", "ah"}


class Corrections:
    """Whole-word, case-insensitive replacements; the longest phrase wins."""

    def __init__(self, mapping: dict[str, str] | None = None) -> None:
        self.mapping = {k.lower().strip(): str(v) for k, v in (mapping or {}).items() if k and k.strip()}
        keys = sorted(self.mapping, key=len, reverse=True)
        self._pattern = (
            re.compile(r"(?<!\w)(" + "|".join(re.escape(k) for k in keys) + r")(?!\w)", re.IGNORECASE)
            if keys
            else None
        )

    def apply(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda m: self.mapping[m.group(1).lower()], text)

    def __bool__(self) -> bool:
        return bool(self.mapping)


def normalise(text: str) -> str:
    """Lowercase ASCII-ish words only, fillers dropped: the form quotes are compared in."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = text.replace("'", "")
    words = re.findall(r"[a-z0-9]+", text)
    return " ".join(w for w in words if w not in FILLERS)

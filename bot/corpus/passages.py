"""Cut a transcript into overlapping, timestamped passages for the fallback search."""

from __future__ import annotations

from bot.corpus.corrections import Corrections
from bot.corpus.transcripts import Cue

WINDOW = 60.0  # seconds of conversation in one passage
STRIDE = 30.0  # passages overlap by half, so no answer is cut in two


def make_passages(
    cues: list[Cue], corrections: Corrections | None = None, window: float = WINDOW, stride: float = STRIDE
) -> list[tuple[float, float, str]]:
    """(start, end, corrected text) windows of about `window` seconds, every `stride` seconds."""
    if not cues:
        return []
    passages: list[tuple[float, float, str]] = []
    first, last = cues[0].start, cues[-1].start
    at = first
    i = 0
    while at <= last:
        while i < len(cues) and cues[i].start < at:
            i += 1
        chunk = []
        j = i
        while j < len(cues) and cues[j].start < at + window:
            chunk.append(cues[j])
            j += 1
        if chunk:
            text = " ".join(c.text for c in chunk)
            if corrections:
                text = corrections.apply(text)
            passages.append((chunk[0].start, chunk[-1].end, text))
        if j >= len(cues):
            break
        at += stride
    return passages

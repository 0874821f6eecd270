"""Transcript parsing: the seeds' caption format, SRT and WebVTT, and clear errors for bad files."""

from __future__ import annotations

import pytest

from bot.corpus.corrections import Corrections, normalise
from bot.corpus.passages import make_passages
from bot.corpus.transcripts import TranscriptError, parse_transcript
from bot.timestamps import format_stamp, parse_stamp

SRT = """1
00:00:01,000 --> 00:00:04,000
my advice is to find a mentor

2
00:00:05,500 --> 00:00:09,000
and practice on kegel every week
"""

VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
my advice is to find a mentor

00:01:05.250 --> 00:01:09.000
<v Guest>and practice on kegel every week
"""


def test_stamps_round_trip():
    assert parse_stamp("1:02:03") == 3723
    assert parse_stamp("2:03") == 123
    assert parse_stamp(42) == 42.0
    assert format_stamp(3723) == "1:02:03"
    assert format_stamp(123.9) == "2:03"
    for bad in ("2:60", "abc", "", "1:2"):
        with pytest.raises(ValueError):
            parse_stamp(bad)


def test_seed_format():
    cues = parse_transcript("0:00 hello there\n0:03 my advice\n1:00:01 late line\n", "x.txt")
    assert [(c.start, c.end, c.text) for c in cues] == [
        (0, 3, "hello there"), (3, 3601, "my advice"), (3601, 3604, "late line")
    ]


def test_srt_and_vtt_parse_to_the_same_cues():
    srt, vtt = parse_transcript(SRT, "a.srt"), parse_transcript(VTT, "a.vtt")
    assert [c.text for c in srt] == [c.text for c in vtt] == [
        "my advice is to find a mentor", "and practice on kegel every week"
    ]
    assert srt[1].start == 5.5 and vtt[1].start == 65.25


@pytest.mark.parametrize(
    ("text", "name", "line", "reason"),
    [
        ("0:00 fine\nnot a caption line\n", "bad.txt", 2, "expected 'm:ss text'"),
        ("0:10 later\n0:05 earlier\n", "bad.txt", 2, "goes backwards"),
        ("0:00 ok\n0:75 nope\n", "bad.txt", 2, "not a timestamp"),
        ("1\n00:00:01,000 --> nonsense\nhello\n", "bad.srt", 1, "malformed SRT"),
        # QA: stored as "hello you should 2 world my advice"; the srt package reads on through blank lines
        ("1\n00:00:01,000 --> 00:00:05,000\nhello you should\n\n2\nworld my advice\n\n3\n00:00:10,000 --> "
         "00:00:12,000\nend\n", "bad.srt", 6, "cue 2 has no 'start --> end' timing line (got 'world my advice')"),
        ("1\r\n00:00:01,000 --> 00:00:05,000\r\nhello\r\n\r\n2\r\n", "bad.srt", 6, "cue 2 has no 'start --> end'"),
        ("WEBVTT\n\nthis is not a cue\n", "bad.vtt", None, "no captions"),
        ("", "empty.txt", None, "no captions"),
        ("0:00 ok\x00\x01", "bin.txt", None, "binary"),
    ],
)
def test_malformed_transcripts_name_file_line_and_reason(text, name, line, reason):
    with pytest.raises(TranscriptError) as caught:
        parse_transcript(text, name)
    assert caught.value.name == name
    assert caught.value.line == line
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"{name}:{line}" if line else name)


def test_srt_styling_is_stripped_as_webvtt_styling_is():
    """QA: <i>…</i> stayed in SRT captions (and so in candidate quotes); WebVTT's were stripped."""
    srt = ("1\n00:00:01,000 --> 00:00:04,000\n<i>my advice</i> is to <font color=\"#ffff00\">find</font> a "
           "<B>mentor</B>\n\n2\n00:00:05,000 --> 00:00:06,000\n{\\an8}and 3 < 4\n")
    vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<i>my advice</i> is to <c.yellow>find</c> a <b>mentor</b>\n"
    assert [c.text for c in parse_transcript(srt, "a.srt")] == ["my advice is to find a mentor", "and 3 < 4"]
    assert parse_transcript(vtt, "a.vtt")[0].text == "my advice is to find a mentor"


def test_corrections_are_whole_word_and_longest_first():
    fixes = Corrections({"kegel": "Kaggle", "lead code": "LeetCode", "lead": "XX"})
    assert fixes.apply("try kegel and lead code, lead the team, kegels") == (
        "try Kaggle and LeetCode, XX the team, kegels"
    )
    assert normalise("Um, it's  Kaggle — uh  OK!") == "its kaggle ok"


def test_passages_overlap_and_cover_the_transcript():
    text = "\n".join(f"{m}:{s:02d} word{m}{s}" for m in range(0, 5) for s in range(0, 60, 10))
    cues = parse_transcript(text, "t.txt")
    passages = make_passages(cues)
    assert passages[0][0] == 0 and passages[1][0] == 30
    assert all(30 <= end - start <= 90 for start, end, _ in passages[:-1])
    assert passages[-1][1] == cues[-1].end

"""Reading, correcting and validating the reviewable files under content/."""

from __future__ import annotations

from pathlib import Path


class ContentInvalid(Exception):
    """Content that fails `careerbot content check`; nothing was loaded."""

    def __init__(self, problems: list) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in content; run `careerbot content check`")


class NotContent(ContentInvalid):
    """A directory that is not a content directory at all (a wrong --content, an empty checkout):
    nothing in it is read, so nothing can be loaded from it, checked or exported into it."""

    def __init__(self, root: Path, reason: str) -> None:
        self.root, self.reason = Path(root), reason
        self.message = f"{root}: {reason}; check --content or CAREERBOT_CONTENT"
        self.problems = [self.message]
        Exception.__init__(self, self.message)

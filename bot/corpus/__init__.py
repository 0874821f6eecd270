"""Reading, correcting and validating the reviewable files under content/."""


class ContentInvalid(Exception):
    """Content that fails `careerbot content check`; nothing was loaded."""

    def __init__(self, problems: list) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in content; run `careerbot content check`")

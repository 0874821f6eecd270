"""Reading, correcting and validating the reviewable files under content/."""

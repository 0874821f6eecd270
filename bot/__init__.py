"""careerbot: cited career advice from community podcast transcripts."""

__version__ = "0.1.0"

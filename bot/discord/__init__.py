"""The Discord front end (discord.py application commands).

Only modules in this package import `discord`; the rest of careerbot stays fast to start.
"""

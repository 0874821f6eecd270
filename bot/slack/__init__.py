"""Slack front end (slack-bolt). Imported only when SLACK_BOT_TOKEN is set."""

"""Platform-neutral behaviour: plain values in, `Reply` out. Never imports Slack or Discord."""

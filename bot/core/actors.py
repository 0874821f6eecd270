"""Who is asking, and the one rule for who counts as a moderator (used by every front end)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    """A member as a front end saw them. Front ends fill in the facts; `is_moderator` decides."""

    platform: str  # slack, discord, console, cli
    user_id: str
    channel_id: str = ""
    name: str = ""
    is_admin: bool = False  # Slack workspace admin/owner
    groups: frozenset[str] = field(default_factory=frozenset)  # Slack user groups
    can_manage_guild: bool = False  # Discord Manage Server permission
    roles: frozenset[str] = field(default_factory=frozenset)  # Discord role ids and names

    @property
    def channel(self) -> str:
        """The channel key used by subscriptions and posts, e.g. `slack:C123`."""
        return f"{self.platform}:{self.channel_id or 'local'}"

    @property
    def who(self) -> str:
        return f"{self.platform}:{self.user_id}"


@dataclass(frozen=True)
class ModeratorRules:
    slack_users: frozenset[str] = frozenset()
    slack_group: str | None = None
    slack_admins: bool = True
    discord_role: str | None = None

    @classmethod
    def from_settings(cls, settings) -> ModeratorRules:  # noqa: ANN001 - avoids importing settings here
        return cls(
            slack_users=frozenset(settings.slack_moderators),
            slack_group=settings.slack_moderator_group,
            slack_admins=settings.slack_admins_are_moderators,
            discord_role=settings.discord_moderator_role,
        )

    def is_moderator(self, actor: Actor) -> bool:
        if actor.platform in ("console", "cli"):
            return True  # whoever runs the process on the server already holds the database
        if actor.platform == "slack":
            return (
                actor.user_id in self.slack_users
                or (self.slack_group is not None and self.slack_group in actor.groups)
                or (self.slack_admins and actor.is_admin)
            )
        if actor.platform == "discord":
            return actor.can_manage_guild or (self.discord_role is not None and self.discord_role in actor.roles)
        return False

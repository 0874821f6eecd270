"""The slack-bolt `AsyncApp`: slash commands and buttons in, `CareerBot` calls, Block Kit out.

Every listener acknowledges first (Slack wants an answer within 3 seconds), then runs the
core call on a worker thread (SQLite is synchronous: a slow database must not hold up the
event loop that sends acknowledgements) and answers through the request's `response_url`.
A failure after the acknowledgement is logged and answered with a polite ephemeral error.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, TypeVar

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.core import forms
from bot.core.actors import Actor
from bot.core.moderation import Result, episode_choices
from bot.core.reply import Reply
from bot.core.service import CareerBot
from bot.observability import observe
from bot.settings import Settings
from bot.slack.blocks import Message, decode_value, error_message, render, unescape
from bot.slack.modals import CALLBACK_ID, Meta, conflict_errors, errors, form_view, notice_view, read_values

log = logging.getLogger(__name__)

T = TypeVar("T")
FACT_TTL = 60.0  # seconds a users.info / usergroups.users.list answer is trusted
FEEDBACK = {"feedback_up": "up", "feedback_down": "down"}
MORE_DONE = "That's everything I have on that question. Browse more with /tips topics."
FOLLOWUP = "Ask a follow-up in your own words with /ask <your question>"
FORM_FAILED = "Sorry, something went wrong on my side. Nothing was saved; please try again in a minute."
FORM_EXPIRED = Reply("error", "Form expired", "This form can't be used any more. Open it again with /tips add, "
                     "/tips edit <id> or /tips review.")


def retry_handlers() -> list[AsyncRetryHandler]:
    """Bounded retries: 429s honour Retry-After (3 times), 500/503 and dropped connections back off (2)."""
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
        AsyncRateLimitErrorRetryHandler(max_retry_count=3),
        AsyncServerErrorRetryHandler(max_retry_count=2),
    ]


def web_client(settings: Settings) -> AsyncWebClient:
    """The Web API client: SLACK_API_URL as base (GovSlack, a proxy, the tests' fake), bounded retries."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    base = settings.slack_api_url.rstrip("/") + "/"
    return AsyncWebClient(token=token, base_url=base, timeout=15, retry_handlers=retry_handlers())


class TtlCache:
    """A tiny time-bounded memo for facts about members (admin flag, user group members)."""

    def __init__(self, ttl: float = FACT_TTL) -> None:
        self.ttl = ttl
        self._items: dict[str, tuple[float, Any]] = {}

    def get(self, key: str) -> Any | None:
        hit = self._items.get(key)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    def put(self, key: str, value: Any) -> Any:
        if len(self._items) > 5000:
            self._items.clear()
        self._items[key] = (time.monotonic() + self.ttl, value)
        return value


class Listeners:
    """What the bolt listeners do; kept apart from bolt's registration so each step reads plainly."""

    def __init__(self, settings: Settings, bot: CareerBot, client: AsyncWebClient, executor: ThreadPoolExecutor):
        self.settings, self.bot, self.client, self.executor = settings, bot, client, executor
        self.admins = TtlCache()
        self.groups = TtlCache()

    # -- plumbing ------------------------------------------------------------------------
    async def blocking(self, fn: Callable[[], T]) -> T:
        """Run a (synchronous, database-touching) core call on the worker thread."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn)

    async def send(self, response_url: str | None, message: Message) -> bool:
        """POST `message` to Slack's response_url (with the same bounded retries as the Web API)."""
        if not response_url:
            log.error("slack: no response_url to answer on")
            return False
        try:
            response = await AsyncWebhookClient(response_url, timeout=15, retry_handlers=retry_handlers()).send_dict(
                message
            )
        except Exception:  # noqa: BLE001 - logged; the caller decides what the member sees
            log.exception("slack: response_url post failed")
            return False
        if response.status_code != 200:
            log.error("slack: response_url answered %s: %s", response.status_code, str(response.body)[:200])
            return False
        return True

    async def answer(self, what: str, actor: Actor, response_url: str | None,
                     work: Callable[[], Awaitable[Reply | None]], *, public: bool = False, **extra: Any) -> None:
        """Run `work`, send its reply to the response_url; any failure becomes a visible, polite error.

        Runs inside `observe()`: one log line and metric per request, and graceful shutdown
        waits for the reply even though bolt has already sent the acknowledgement.
        `public` (share) posts a reply that has cards in the channel, with who shared it.
        `work` returning None means it answered another way (it opened a form): nothing to send.
        """
        with observe("slack", what, user_id=actor.user_id, channel_id=actor.channel_id) as obs:
            failed = False
            try:
                result = await work()
                if result is None:
                    obs.outcome = "form"
                    return
                reply = obs.reply(result)
                message = render(reply, shared_by=actor.user_id if public and reply.cards else None)
            except Exception:  # noqa: BLE001 - the member gets an answer either way
                log.exception("slack: %s failed after ack", what)
                obs.outcome = "error"
                message, failed = error_message(), True
            if not await self.send(response_url, {**message, **extra}):
                obs.outcome = "undelivered"
                if not failed:  # e.g. Slack refused our blocks: try the plain apology
                    await self.send(response_url, {**error_message(), **extra})

    # -- who is asking -------------------------------------------------------------------
    @staticmethod
    def command_actor(command: dict[str, Any]) -> Actor:
        return Actor("slack", str(command.get("user_id", "")), str(command.get("channel_id", "")),
                     name=str(command.get("user_name", ""))[:80])

    @staticmethod
    def command_text(command: dict[str, Any]) -> str:
        """What the member typed after the command (Slack sends it with &, < and > escaped)."""
        return unescape(str(command.get("text", "")))

    @staticmethod
    def action_actor(body: dict[str, Any], channel: str | None = None) -> Actor:
        """The member behind a button or a form submit (a form's channel is its own: pass it)."""
        user = body.get("user") or {}
        if channel is None:
            channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id", "")
        return Actor("slack", str(user.get("id", "")), str(channel or ""),
                     name=str(user.get("username") or user.get("name") or "")[:80])

    async def moderator_facts(self, actor: Actor) -> Actor:
        """`with_moderator_facts`, where a failed lookup means no moderator rights rather than a crash."""
        try:
            return await self.with_moderator_facts(actor)
        except Exception:  # noqa: BLE001 - no facts means no moderator rights, never a crash
            log.exception("slack: moderator facts for %s failed", actor.user_id)
            return actor

    async def with_moderator_facts(self, actor: Actor) -> Actor:
        """Add the facts the moderator rule needs, asking Slack only what settings make relevant."""
        if actor.user_id in self.settings.slack_moderators:
            return actor
        is_admin = await self.is_admin(actor.user_id) if self.settings.slack_admins_are_moderators else False
        group = self.settings.slack_moderator_group
        groups = frozenset({group}) if group and actor.user_id in await self.group_members(group) else frozenset()
        return replace(actor, is_admin=is_admin, groups=groups)

    async def is_admin(self, user_id: str) -> bool:
        known = self.admins.get(user_id)
        if known is not None:
            return known
        try:
            user = (await self.client.users_info(user=user_id)).get("user") or {}
        except SlackApiError as exc:
            log.warning("slack: users.info for %s failed: %s", user_id, exc.response.get("error", exc))
            return False
        flags = ("is_admin", "is_owner", "is_primary_owner")
        return self.admins.put(user_id, any(bool(user.get(f)) for f in flags))

    async def group_members(self, group: str) -> frozenset[str]:
        known = self.groups.get(group)
        if known is not None:
            return known
        try:
            users = (await self.client.usergroups_users_list(usergroup=group)).get("users") or []
        except SlackApiError as exc:
            log.warning("slack: usergroups.users.list for %s failed: %s", group, exc.response.get("error", exc))
            return frozenset()
        return self.groups.put(group, frozenset(str(u) for u in users))

    # -- slash commands --------------------------------------------------------------------
    async def ask(self, command: dict[str, Any]) -> None:
        actor, text = self.command_actor(command), self.command_text(command)
        await self.answer("ask", actor, command.get("response_url"),
                          lambda: self.blocking(lambda: self.bot.ask(text, actor)))

    async def hack(self, command: dict[str, Any]) -> None:
        actor = self.command_actor(command)
        await self.answer("hack", actor, command.get("response_url"),
                          lambda: self.blocking(lambda: self.bot.hack(actor.channel)))

    async def tips(self, command: dict[str, Any]) -> None:
        await self.run_tips("tips", self.command_actor(command), self.command_text(command),
                            command.get("response_url"), trigger_id=command.get("trigger_id"))

    async def run_tips(self, what: str, actor: Actor, text: str, response_url: str | None,
                       trigger_id: str | None = None, **extra: Any) -> None:
        """`/tips <text>`: what depends on the moderator rule (moderator subcommands, the help) first
        gathers the facts it needs.

        When the core answers `/tips add` or `/tips edit <id>` with a form, the modal opens instead.
        """

        async def work() -> Reply | None:
            who = await self.moderator_facts(actor) if self.bot.needs_moderator(text) else actor
            reply = await self.blocking(lambda: self.bot.tips_command(who, text))
            form = forms.form_from_reply(reply) if trigger_id else None
            if form is not None and await self.open_form(form, str(trigger_id), actor.channel_id) is None:
                return None
            return reply  # also what a member gets when the modal can't open: how to type the fields

        await self.answer(what, actor, response_url, work, **extra)

    # -- the tip form (modal) ---------------------------------------------------------------
    async def open_form(self, form: forms.Form, trigger_id: str, channel_id: str) -> Reply | None:
        """views.open with the form; None when it opened, else a reply saying why not."""
        episodes = await self.blocking(lambda: episode_choices(self.bot))
        try:
            await self.client.views_open(trigger_id=trigger_id,
                                         view=form_view(form, Meta(form.target, channel_id), episodes))
        except SlackApiError as exc:
            error = exc.response.get("error") if isinstance(exc.response.data, dict) else exc.response.status_code
            log.warning("slack: views.open failed: %s", error)
            return Reply("error", "Couldn't open the form", "Slack didn't open the form in time. Please try "
                         "again; nothing was changed.")
        return None

    async def submit_form(self, ack: Callable[..., Awaitable[Any]], body: dict[str, Any],
                          view: dict[str, Any]) -> None:
        """A submitted tip form: first submit previews, a second one with the same fields saves.

        Answered in the acknowledgement itself (Slack shows `errors` under the inputs, or the
        updated modal), so the checks run before `ack`; only the confirmation comes after.
        """
        meta = Meta.load(view.get("private_metadata"))
        actor = self.action_actor(body, channel=meta.channel if meta else "")
        values = read_values(view)
        saving = meta is not None and bool(meta.digest) and meta.digest == forms.fingerprint(meta.target, values)
        result: Result | None = None
        with observe("slack", "form_save" if saving else "form_preview", user_id=actor.user_id,
                     channel_id=actor.channel_id) as obs:
            if meta is None:
                obs.reply(FORM_EXPIRED)
                await ack(response_action="update", view=notice_view(FORM_EXPIRED))
                return
            try:
                who = await self.moderator_facts(actor)
                step = forms.save if saving else forms.check
                result = await self.blocking(lambda: step(self.bot, who, meta.target, values))
                obs.reply(result.reply)
                response = await self.form_response(result, meta, values, view, saving)
            except Exception:  # noqa: BLE001 - the form shows the apology; nothing was saved
                log.exception("slack: tip form failed")
                obs.outcome = "error"
                result, response = None, {"response_action": "errors", "errors": {"title": FORM_FAILED}}
            await ack(**response)
            if saving and result is not None and result.ok:
                await self.confirm(actor, result.reply)

    async def form_response(self, result: Result, meta: Meta, values: dict[str, str], view: dict[str, Any],
                            saving: bool) -> dict[str, Any]:
        """The view_submission answer for a checked or saved form."""
        if result.reply.kind == "refused":
            return {"response_action": "update", "view": notice_view(result.reply)}
        if result.conflict:
            current = await self.blocking(lambda: forms.current_values(self.bot, meta.target.tip_id))
            return {"response_action": "errors", "errors": conflict_errors(result.reply, values, current)}
        if result.problems or not result.ok:
            problems = result.problems or {"": f"{result.reply.title}: {result.reply.text}"}
            return {"response_action": "errors", "errors": errors(problems)}
        if saving:
            return {"response_action": "clear"}
        title = str((view.get("title") or {}).get("text") or "Tip")
        digest = forms.fingerprint(meta.target, values)
        episodes = await self.blocking(lambda: episode_choices(self.bot))
        form = forms.Form(meta.target, title, values)
        return {"response_action": "update",
                "view": form_view(form, Meta(meta.target, meta.channel, digest), episodes, preview=result.reply)}

    async def confirm(self, actor: Actor, reply: Reply) -> None:
        """The saved tip, shown only to the moderator where the form was opened (else in the app's DM)."""
        message = render(reply)
        try:
            await self.client.chat_postEphemeral(channel=actor.channel_id, user=actor.user_id,
                                                 text=message["text"], blocks=message["blocks"])
            return
        except SlackApiError as exc:
            log.warning("slack: confirmation in %s failed (%s); sending it as a direct message",
                        actor.channel_id, exc.response.get("error"))
        try:
            await self.client.chat_postMessage(channel=actor.user_id, text=message["text"], blocks=message["blocks"])
        except SlackApiError as exc:
            log.error("slack: could not confirm a saved tip to %s: %s", actor.user_id, exc.response.get("error"))

    # -- buttons -------------------------------------------------------------------------
    async def share(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        data = decode_value(action.get("value"))

        def work() -> Reply:
            reply = self.replay(data)
            if reply is None or not reply.cards:
                return Reply("info", text="Those tips have changed since, so there is nothing to share. "
                                          "Please ask again.")
            return reply

        await self.answer("share", self.action_actor(body), body.get("response_url"),
                          lambda: self.blocking(work), public=True, replace_original=False)

    def replay(self, data: dict[str, Any]) -> Reply | None:
        """The reply a share button describes, with only the cards that were shown."""
        if "topic" in data:
            reply = self.bot.topic(str(data["topic"]))
        elif "hack" in data:
            try:
                day = dt.date.fromisoformat(str(data.get("d", "")))
            except ValueError:
                return None
            reply = self.bot.hack(str(data["hack"]), day)
        elif "q" in data:
            exclude = tuple(str(i) for i in data.get("x") or [])
            reply = self.bot.ask(str(data["q"]), None, exclude=exclude)
        else:
            return None
        wanted = [str(i) for i in data.get("ids") or []]
        reply.cards = [c for c in reply.cards if c.id in wanted]
        return reply

    async def more(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        actor = self.action_actor(body)
        data = decode_value(action.get("value"))
        query, shown = str(data.get("q") or ""), [str(i) for i in data.get("ids") or []]

        def work() -> Reply:
            if not query:
                return Reply("info", text=MORE_DONE)
            reply = self.bot.more(query, shown, actor)
            if reply.kind != "answer":
                return reply
            reply.data["exclude"] = shown
            reply.data["shown"] = shown + [c.id for c in reply.cards]
            return reply

        await self.answer("more", actor, body.get("response_url"), lambda: self.blocking(work),
                          replace_original=False)

    async def feedback(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        actor = self.action_actor(body)
        kind = FEEDBACK[action["action_id"]]
        tip_id = str(action.get("value") or "")[:200]
        await self.answer("feedback", actor, body.get("response_url"),
                          lambda: self.blocking(lambda: self.bot.feedback(actor, tip_id, kind)),
                          replace_original=False)

    async def followup(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        topic = str(decode_value(action.get("value")).get("topic") or "")[:80]

        async def work() -> Reply:
            return Reply("info", text=FOLLOWUP + (f", or browse related tips with /tips topic {topic}." if topic
                                                   else "."))

        await self.answer("followup", self.action_actor(body), body.get("response_url"), work,
                          replace_original=False)

    async def topic(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        name = str(action.get("value") or "")[:80]
        await self.answer("topic", self.action_actor(body), body.get("response_url"),
                          lambda: self.blocking(lambda: self.bot.topic(name)), replace_original=False)


    async def review(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        """Review-queue buttons: Accept… opens the form prefilled from the candidate; Reject and
        Skip are the same as typing `/tips review reject|skip <n>`."""
        verb = str(action["action_id"]).removeprefix("review_")
        item = str(action.get("value") or "")
        valid = item.isdigit() and len(item) <= 12
        actor = self.action_actor(body)
        if verb == "accept" and valid:
            async def work() -> Reply | None:
                who = await self.moderator_facts(actor)
                form = await self.blocking(lambda: forms.review_form(self.bot, who, int(item)))
                if isinstance(form, Reply):
                    return form
                return await self.open_form(form, str(body.get("trigger_id") or ""), actor.channel_id)

            await self.answer("review", actor, body.get("response_url"), work, replace_original=False)
            return
        text = f"review {verb} {item}" if valid else "review"
        await self.run_tips("review", actor, text, body.get("response_url"), replace_original=False)


class _TokenFromClient(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment itself and warns that the client's token wins.

    That is what we want (the client carries SLACK_API_URL and the retries), so the warning is noise.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def build_app(settings: Settings, bot: CareerBot, client: AsyncWebClient | None = None,
              executor: ThreadPoolExecutor | None = None) -> AsyncApp:
    """The bolt app with every listener registered; serve it over HTTP or Socket Mode."""
    client = client or web_client(settings)
    executor = executor or ThreadPoolExecutor(max_workers=1, thread_name_prefix="careerbot-slack")
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    bolt_log = logging.getLogger("slack_bolt.AsyncApp")
    if not any(isinstance(f, _TokenFromClient) for f in bolt_log.filters):
        bolt_log.addFilter(_TokenFromClient())
    app = AsyncApp(name="careerbot", client=client, signing_secret=secret, process_before_response=False)
    on = Listeners(settings, bot, client, executor)

    @app.command("/ask")
    async def ask(ack, command):  # noqa: ANN001 - bolt injects by argument name
        await ack()
        await on.ask(command)

    @app.command("/hack")
    async def hack(ack, command):  # noqa: ANN001
        await ack()
        await on.hack(command)

    @app.command("/tips")
    async def tips(ack, command):  # noqa: ANN001
        await ack()
        await on.tips(command)

    def button(action_id: str | re.Pattern[str], handler: Callable[..., Any]) -> None:
        async def listener(ack, body, action):  # noqa: ANN001
            await ack()
            await handler(body, action)

        app.action(action_id)(listener)

    button("share", on.share)
    button("more", on.more)
    button("feedback_up", on.feedback)
    button("feedback_down", on.feedback)
    button("ask_followup", on.followup)
    for action_id in ("review_accept", "review_reject", "review_skip"):
        button(action_id, on.review)
    button(re.compile(r"^topic_\d+$"), on.topic)

    @app.view(CALLBACK_ID)
    async def tip_form(ack, body, view):  # noqa: ANN001
        await on.submit_form(ack, body, view)

    return app

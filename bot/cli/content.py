"""`careerbot content …`: check and load content/, and the moderators' commands (add, edit, review, export …)."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.common import Context, cli_actor, fail, pass_ctx


@click.group()
def content() -> None:
    """Load, check and manage the content (tips, transcripts, vocabulary)."""


@content.command()
@pass_ctx
def check(ctx: Context) -> None:
    """Validate content/: ids, topics, spans, quotes found in their spans, transcripts."""
    from bot.corpus.validate import check_content

    loaded = _read(ctx)
    problems = check_content(loaded)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        fail(f"{len(problems)} problem(s) in {ctx.settings.careerbot_content}")
    click.echo(f"ok: {len(loaded.tips)} tips, {len(loaded.transcripts)} transcripts, {len(loaded.topics)} topics")


def _read(ctx: Context):  # noqa: ANN202 - Content, imported lazily
    """The content directory, read; a directory that is not one is refused in one line."""
    from bot.corpus import NotContent
    from bot.corpus.files import read_content

    try:
        return read_content(ctx.settings.careerbot_content)
    except NotContent as exc:
        fail(str(exc))


@content.command()
@click.option("--force", is_flag=True, help="Take the file's version even where a moderator edited the tip since.")
@click.option("--allow-mass-retire", is_flag=True,
              help="Load even when that retires more than half of the active tips (their entries are gone).")
@pass_ctx
def load(ctx: Context, force: bool, allow_mass_retire: bool) -> None:
    """Sync content/ into the database (idempotent); report what was added, updated and retired."""
    from bot.corpus.loader import ContentInvalid, MassRetire, load_content

    loaded = _read(ctx)
    bot = ctx.open(autoload=False)
    try:
        report = load_content(bot.db, loaded, force=force, allow_mass_retire=allow_mass_retire)
    except ContentInvalid as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        fail(str(exc))
    except MassRetire as exc:
        fail(f"{ctx.settings.careerbot_content}: {exc}")
    for line in report.lines():
        click.echo(line)
    embedded = bot.searcher.embed()
    if embedded:
        click.echo(f"semantic: embedded {embedded} new tip texts")


# -- moderators' commands: the same core functions the chat front ends call ----------------------
def _show(result) -> None:  # noqa: ANN001
    """Print a moderation Result; exit 1 when it changed nothing because something was wrong."""
    click.echo(result.reply.as_text())
    if not result.ok:
        raise SystemExit(1)


def _read_yaml(path, what: str):  # noqa: ANN001, ANN202
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        fail(f"{path}: not UTF-8 text")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        fail(f"{path}{f':{mark.line + 1}' if mark else ''}: invalid YAML: {getattr(exc, 'problem', exc)}")
    if not isinstance(data, dict):
        fail(f"{path}: must be a YAML mapping of {what} (title: …, tip: …, …)")
    return data


def _assignments(pairs: tuple[str, ...]) -> dict[str, str]:
    fields = {}
    for pair in pairs:
        name, eq, value = pair.partition("=")
        if not eq or not name.strip():
            fail(f"--set wants field=value, got {pair[:40]!r}")
        fields[name.strip()] = value
    return fields


def _confirm(reply, yes: bool, dry_run: bool) -> bool:  # noqa: ANN001
    """Show a preview; True when the change should be saved."""
    click.echo(reply.as_text())
    if reply.data.get("problems"):
        raise SystemExit(1)
    if dry_run:
        return False
    return yes or click.confirm("Save?", default=False)


@content.command("add")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", "-y", is_flag=True, help="Save without asking after the preview.")
@click.option("--dry-run", is_flag=True, help="Only preview and validate.")
@pass_ctx
def add(ctx: Context, file: Path, yes: bool, dry_run: bool) -> None:
    """Add a tip from a YAML FILE (title, tip, quote, speaker, episode, start, end, topics, questions)."""
    from bot.core import moderation

    fields = _read_yaml(file, "tip fields")
    actor = cli_actor()
    if _confirm(moderation.preview(ctx.bot, actor, fields), yes, dry_run):
        _show(moderation.add_tip(ctx.bot, actor, fields))


@content.command()
@click.argument("tip_id")
@click.option("--set", "pairs", multiple=True, metavar="FIELD=VALUE", help="A field to change (repeatable).")
@click.option("--expect-version", type=int, help="Refuse if the tip is no longer at this version.")
@click.option("--yes", "-y", is_flag=True, help="Save without asking after the preview.")
@click.option("--dry-run", is_flag=True, help="Only preview and validate.")
@pass_ctx
def edit(ctx: Context, tip_id: str, pairs: tuple[str, ...], expect_version: int | None, yes: bool,
         dry_run: bool) -> None:
    """Change fields of tip TIP_ID with --set field=value (preview, then save)."""
    from bot.core import moderation

    changes = _assignments(pairs)
    if not changes:
        fail("nothing to change: give one or more --set field=value")
    actor = cli_actor()
    reply = moderation.preview(ctx.bot, actor, changes, tip_id)
    if reply.kind == "error":
        click.echo(reply.as_text())
        raise SystemExit(1)
    seen = expect_version if expect_version is not None else reply.data["version"]
    if _confirm(reply, yes, dry_run):
        _show(moderation.edit_tip(ctx.bot, actor, tip_id, changes, seen))


@content.command()
@click.argument("tip_id")
@pass_ctx
def show(ctx: Context, tip_id: str) -> None:
    """Print tip TIP_ID with its version and status, as the edit form shows it."""
    from bot.core import moderation

    form = moderation.tip_form(ctx.bot, tip_id)
    if form is None:
        fail(f"no tip {tip_id!r}")
    for key, value in form.items():
        click.echo(f"{key}: {value}" if "\n" not in str(value) else f"{key}:\n  " + str(value).replace("\n", "\n  "))


@content.command()
@click.argument("tip_id")
@pass_ctx
def retire(ctx: Context, tip_id: str) -> None:
    """Take tip TIP_ID out of answers and the daily hack (restorable)."""
    from bot.core import moderation

    _show(moderation.retire_tip(ctx.bot, cli_actor(), tip_id))


@content.command()
@click.argument("tip_id")
@pass_ctx
def restore(ctx: Context, tip_id: str) -> None:
    """Bring retired tip TIP_ID back."""
    from bot.core import moderation

    _show(moderation.restore_tip(ctx.bot, cli_actor(), tip_id))


@content.command()
@click.argument("tip_id", required=False)
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per change (with before and after).")
@pass_ctx
def history(ctx: Context, tip_id: str | None, limit: int, as_json: bool) -> None:
    """Every recorded change, newest first: to TIP_ID, or to anything."""
    import json
    from dataclasses import asdict

    from bot.core import moderation

    for change in moderation.history(ctx.bot, tip_id, limit):
        click.echo(json.dumps(asdict(change), ensure_ascii=False) if as_json else moderation.describe(change))


class ChangeNumber(click.ParamType):
    """A change's number, `68` or `#68` as `content history` prints it (chat's rule: moderation.change_number)."""

    name = "change"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> int:
        from bot.core.moderation import change_number

        if isinstance(value, int):
            return value
        number = change_number(str(value))
        if number is None:
            self.fail(f"{str(value)[:40]!r} is not a change number: give one that content history lists, such as "
                      "68 or #68", param, ctx)
        return number  # type: ignore[return-value]


@content.command()
@click.argument("change_id", type=ChangeNumber())
@pass_ctx
def revert(ctx: Context, change_id: int) -> None:
    """Undo change CHANGE_ID, as `content history` lists it (68 or #68): to a tip, a subscription, a review or
    a transcript."""
    from bot.core import moderation

    _show(moderation.revert(ctx.bot, cli_actor(), change_id))


@content.command("add-transcript")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--title", required=True, help="Episode title.")
@click.option("--guest", required=True, help="Guest's name (the default speaker of its tips).")
@click.option("--guest-role", help="What the guest does.")
@click.option("--host", help="Host's name.")
@click.option("--url", help="Recording URL (http/https), for links to moments.")
@click.option("--summary", help="One or two sentences about the episode.")
@click.option("--date", help="Recording date, YYYY-MM-DD.")
@pass_ctx
def add_transcript(ctx: Context, file: Path, **meta: str | None) -> None:
    """Add transcript FILE (seed .txt, .srt or .vtt; its name is its id) and queue candidate tips."""
    from bot.core import moderation

    _show(moderation.add_transcript(ctx.bot, cli_actor(), file, meta, ctx.settings.careerbot_content))


@content.command("review")
@click.argument("action", required=False, type=click.Choice(["list", "next"]), default="list")
@click.option("--accept", "accept", type=int, metavar="N", help="Accept candidate N as a tip (with --file).")
@click.option("--file", "file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML tip fields for --accept; episode and span default to the candidate's.")
@click.option("--reject", type=int, metavar="N", help="Reject candidate N.")
@click.option("--skip", type=int, metavar="N", help="Skip candidate N for now.")
@pass_ctx
def review_cmd(ctx: Context, action: str, accept: int | None, file: Path | None, reject: int | None,
               skip: int | None) -> None:
    """Candidate tips from new transcripts: list (default), next, or decide one."""
    from bot.core import moderation

    actor = cli_actor()
    if sum(x is not None for x in (accept, reject, skip)) > 1:
        fail("give one of --accept, --reject, --skip")
    if accept is not None:
        if file is None:
            fail("--accept needs --file FIELDS.yaml (title, tip, quote, topics, questions)")
        _show(moderation.review_accept(ctx.bot, actor, accept, _read_yaml(file, "tip fields")))
    elif reject is not None:
        _show(moderation.review_reject(ctx.bot, actor, reject, cli=True))
    elif skip is not None:
        _show(moderation.review_skip(ctx.bot, actor, skip, cli=True))
    elif action == "next":
        click.echo(moderation.review_next(ctx.bot, actor, cli=True).as_text())
    else:
        click.echo(moderation.review_list(ctx.bot, actor).as_text())


@content.command()
@pass_ctx
def export(ctx: Context) -> None:
    """Write the live tips back into content/tips/*.yaml, so moderators' work can be reviewed and committed."""
    from bot.corpus import NotContent
    from bot.corpus.export import ExportError, export_tips
    from bot.corpus.files import NotWritable, read_content
    from bot.corpus.validate import check_content

    root = ctx.settings.careerbot_content
    try:
        report = export_tips(ctx.bot.db, root)
    except (ExportError, NotContent) as exc:
        fail(str(exc))
    except NotWritable as exc:
        fail(f"{exc}; nothing was written to it. Export into a writable checkout of the content (--content).")
    for line in report.lines():
        click.echo(line)
    problems = check_content(read_content(root))
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        fail(f"{len(problems)} problem(s) in {root} after the export")
    if report.changed:
        click.echo(f"review with `git diff {root}`, then commit")
    if report.refused:
        fail(f"not written: {', '.join(report.refused)} (a tip in it was changed there and by a moderator; see ! above)")

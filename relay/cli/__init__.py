"""`relay`: thin verbs over the same functions the web uses. Every verb has --help."""

from __future__ import annotations

import click

from relay import __version__
from relay.cli import bounces, collect, digest, documents, ops, report, send, serve, setup, survey, tag, users


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="relay")
def cli() -> None:
    """Relay carries new human-rights material from the international bodies to Norway's
    municipalities, and proves that it arrived."""


for command in (
    setup.init, ops.check_cmd, serve.run, serve.web, collect.collect, collect.sources, tag.tag, documents.documents,
    digest.digest, users.user, bounces.bounces, send.send_cmd, send.worker_cmd, send.outbox_cmd, report.report,
    ops.backup_cmd, ops.restore_cmd, ops.contact, ops.retention_cmd, ops.incidents, ops.scheduler_cmd,
    survey.survey,
):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="relay")

"""`relay user add|list`: accounts for admins, ministries, governors and municipal contacts."""

from __future__ import annotations

import click

from relay.cli.common import engine_for, settings_or_exit


@click.group()
def user() -> None:
    """Manage user accounts."""


@user.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "ministry", "governor", "contact"]), required=True)
@click.option("--office", help="governors: the office (Statsforvalter or länsstyrelse) by organisation number, "
                               "code or name, e.g. 974760665, 'Vestland', 'Länsstyrelsen i Skåne län'")
@click.option("--name", default="")
def add(email: str, role: str, office: str | None, name: str) -> None:
    """Create (or update) an account; it signs in by e-mail link."""
    from relay.db import transaction
    from relay.users import UserError, save_user

    settings = settings_or_exit()
    try:
        with transaction(engine_for(settings)) as session:
            account = save_user(session=session, email=email, role=role, office_org_number=office, name=name,
                                actor="cli")
            click.echo(f"{account.email}: {account.role}" + (f" ({account.office.name})" if account.office else ""))
    except UserError as exc:
        raise click.ClickException(str(exc)) from None


@user.command("list")
def list_users() -> None:
    from sqlalchemy import select

    from relay.db import transaction
    from relay.models import User

    settings = settings_or_exit()
    with transaction(engine_for(settings)) as session:
        for u in session.scalars(select(User).order_by(User.role, User.email)):
            click.echo(f"{u.role:9} {u.email:40} {u.office.name if u.office else ''}")

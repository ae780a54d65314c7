"""Create an account with one platform duty: operator, security administrator or audit administrator."""

import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from alliances.permissions import PlatformRole
from alliances.services import create_platform_user


class Command(BaseCommand):
    help = (
        "Create a platform account with one duty (operator, security_admin, audit_admin). The password is "
        "asked for, or read from the environment variable named by --password-env."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=[role.value for role in PlatformRole])
        parser.add_argument("--name", required=True, help="the person's name, e.g. 张伟")
        parser.add_argument("--email", default="")
        parser.add_argument("--password-env", help="read the password from this environment variable")

    def handle(self, *args, username, role, name, email, password_env, **options):
        password = self._password(password_env)
        try:
            user = create_platform_user(
                username=username, role=role, name=name, email=email, password=password
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Created {user.username} ({user.get_platform_role_display()}).")
        )

    def _password(self, password_env):
        if password_env:
            password = os.environ.get(password_env, "")
            if not password:
                raise CommandError(f"The environment variable {password_env} is empty.")
            return password
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The passwords differ.")
        return first

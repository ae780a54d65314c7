"""Print the current second-factor code of a demo platform administrator (development only)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from alliances.demo import DEMO_TOTP_KEY_BASE32


class Command(BaseCommand):
    help = "Print the current 6-digit code for a demo platform administrator (only with DEBUG on, demo key only)."

    def add_arguments(self, parser):
        parser.add_argument("username", help="operator, security or auditadmin")

    def handle(self, *args, username, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Only for development (DEBUG=1): real authenticators stay on their owners' phones."
            )
        from base64 import b32decode

        device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
        if device is None or device.key != b32decode(DEMO_TOTP_KEY_BASE32).hex():
            raise CommandError(f"{username} has no demo authenticator.")
        self.stdout.write(f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}")

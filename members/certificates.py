"""The membership certificate (成员单位证书): a one-page A4 landscape PDF made with WeasyPrint.

The certificate is an official document of a Chinese alliance, so its wording is Chinese whatever the
reader's interface language (the template holds the Chinese text; labels such as the council role are
rendered under `zh-hans`). The CSS names the Noto CJK fonts installed on the machine; WeasyPrint embeds
the subset it uses, so the text can be extracted and searched. Nothing is fetched from the network.
"""

from __future__ import annotations

from datetime import date

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import CURRENT_MEMBER_STATUSES, MemberUnit

CERTIFICATE_LANGUAGE = "zh-hans"


class CertificateUnavailable(Exception):
    """The unit has no certificate; the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def certificate_refusal(unit: MemberUnit) -> str | None:
    """Why `unit` has no certificate, or None when it has one (current members with a member number)."""
    if unit.status not in CURRENT_MEMBER_STATUSES:
        return _("A certificate is issued only to current members. %(unit)s is “%(status)s”.") % {
            "unit": unit.name,
            "status": unit.get_status_display(),
        }
    if not unit.member_number:
        return _("%(unit)s has no member number yet, so there is no certificate to issue.") % {
            "unit": unit.name
        }
    return None


def chinese_date(day: date | None) -> str:
    """2026年11月23日 (no leading zeros), the form used on certificates."""
    if day is None:
        return ""
    return f"{day.year}年{day.month}月{day.day}日"


def certificate_filename(unit: MemberUnit) -> str:
    return f"成员单位证书-{unit.member_number}.pdf"


def render_certificate(unit: MemberUnit, *, issued_on: date | None = None) -> bytes:
    """The unit's certificate as PDF bytes. Raises CertificateUnavailable for units without one."""
    refusal = certificate_refusal(unit)
    if refusal:
        raise CertificateUnavailable(refusal)
    from weasyprint import HTML  # imported here: loading WeasyPrint (Pango, fonts) is slow

    issued_on = issued_on or timezone.localdate()
    with translation.override(CERTIFICATE_LANGUAGE):
        html = render_to_string(
            "members/certificate.html",
            {
                "alliance": unit.alliance,
                "unit": unit,
                "council_role": unit.get_council_role_display(),
                "kind": unit.get_kind_display(),
                "admitted_on": chinese_date(unit.admitted_on),
                "issued_on": chinese_date(issued_on),
            },
        )
    # No base_url: the template references no files, and nothing may be fetched from elsewhere.
    return HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()


def _refuse_fetch(url: str, *args, **kwargs):
    raise ValueError(f"the certificate loads no external resources: {url}")

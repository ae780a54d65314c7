"""Checking uploaded documents by their content, not by their name: PDF, JPEG and PNG, size-limited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
DOCUMENT_MAX_FILES = 10

# Leading bytes of each accepted type, and the content type we store.
_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def sniff_document_type(head: bytes) -> str | None:
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def check_document(upload, *, max_bytes: int = DOCUMENT_MAX_BYTES) -> str:
    """Return the document's content type, or raise a ValidationError that names the file and the problem."""
    name = getattr(upload, "name", "") or _("(unnamed file)")
    if upload.size == 0:
        raise ValidationError(_("%(name)s is empty.") % {"name": name})
    if upload.size > max_bytes:
        raise ValidationError(
            _("%(name)s is %(size)s; documents may be at most %(limit)s.")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff_document_type(head)
    if content_type is None:
        raise ValidationError(
            _("%(name)s is not a PDF, JPEG or PNG file (checked by its content, not its name).") % {"name": name}
        )
    return content_type


def check_documents(uploads) -> list[tuple[object, str]]:
    uploads = list(uploads or [])
    if len(uploads) > DOCUMENT_MAX_FILES:
        raise ValidationError(_("Attach at most %(count)d documents at a time.") % {"count": DOCUMENT_MAX_FILES})
    errors, checked = [], []
    for upload in uploads:
        try:
            checked.append((upload, check_document(upload)))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return checked

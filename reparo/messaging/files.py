"""What may be attached to a message: PNG and JPEG pictures and PDF documents, up to a size, the type read from the
file's first bytes (its "magic number"), never from its name or from what the browser says it is."""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from reparo.messaging.models import AttachmentType

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENTS = 3
MAX_NAME_CHARS = 100

SIGNATURES: dict[str, bytes] = {
    AttachmentType.PNG: b"\x89PNG\r\n\x1a\n",
    AttachmentType.JPEG: b"\xff\xd8\xff",
    AttachmentType.PDF: b"%PDF-",
}
EXTENSIONS: dict[str, tuple[str, ...]] = {
    AttachmentType.PNG: (".png",),
    AttachmentType.JPEG: (".jpg", ".jpeg"),
    AttachmentType.PDF: (".pdf",),
}


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    content: bytes


def detect_type(content: bytes) -> str | None:
    """The attachment type ``content`` really is, by its first bytes; None for anything else."""
    for content_type, signature in SIGNATURES.items():
        if content.startswith(signature):
            return content_type
    return None


def clean_name(name: str, content_type: str) -> str:
    """A file name safe to offer for download: no folders, no control characters or quotes, not too long, ending in
    the extension of what the file is."""
    base = os.path.basename((name or "").replace("\\", "/"))
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    base = base.replace('"', "").replace(";", "").strip(" .")
    stem, ext = os.path.splitext(base)
    if ext.lower() not in EXTENSIONS[content_type]:
        stem, ext = base, EXTENSIONS[content_type][0]
    stem = (stem or "file")[: MAX_NAME_CHARS - len(ext)]
    return f"{stem}{ext.lower()}"


def check_file(name: str, content: bytes) -> CheckedFile:
    """Accept ``content`` as an attachment, or raise ``ValidationError`` saying why in plain words. A file whose name
    says one type while its contents are another (a PDF named ``.png``, a program named ``.pdf``) is refused."""
    shown = os.path.basename((name or "").replace("\\", "/"))[:MAX_NAME_CHARS] or _("The file")
    if not content:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": shown})
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            _("“%(name)s” is larger than %(limit)s MB. Send a smaller file.")
            % {"name": shown, "limit": MAX_ATTACHMENT_BYTES // (1024 * 1024)}
        )
    content_type = detect_type(content)
    if content_type is None:
        raise ValidationError(
            _("“%(name)s” is not a PNG or JPEG picture or a PDF document, so it cannot be sent.") % {"name": shown}
        )
    ext = os.path.splitext(shown)[1].lower()
    if ext and ext not in EXTENSIONS[content_type]:
        raise ValidationError(
            _(
                "“%(name)s” is named as one kind of file but is really another, so it cannot be sent. Save it with the "
                "right kind of name and try again."
            )
            % {"name": shown}
        )
    return CheckedFile(name=clean_name(name, content_type), content_type=content_type, content=bytes(content))

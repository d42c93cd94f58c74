import pytest
from django.core.exceptions import ValidationError

from reparo.messaging.files import MAX_ATTACHMENT_BYTES, check_file, clean_name
from tests.messaging.factories import EXE, JPEG, PDF, PNG


@pytest.mark.parametrize(
    ("name", "content", "content_type", "saved_as"),
    [
        ("letter.pdf", PDF, "application/pdf", "letter.pdf"),
        ("Photo.PNG", PNG, "image/png", "Photo.png"),
        ("scan.jpeg", JPEG, "image/jpeg", "scan.jpeg"),
        ("scan.jpg", JPEG, "image/jpeg", "scan.jpg"),
        ("no-extension", PDF, "application/pdf", "no-extension.pdf"),
    ],
)
def test_it_accepts_pictures_and_pdfs_by_their_contents(name, content, content_type, saved_as):
    checked = check_file(name, content)
    assert (checked.content_type, checked.name, checked.content) == (content_type, saved_as, content)


def test_it_refuses_a_pdf_named_as_a_picture():
    with pytest.raises(ValidationError, match="named as one kind of file but is really another"):
        check_file("holiday.png", PDF)


def test_it_refuses_a_program_named_as_a_pdf():
    with pytest.raises(ValidationError, match="not a PNG or JPEG picture or a PDF"):
        check_file("letter.pdf", EXE)


@pytest.mark.parametrize(
    "content", [b"<html><script>alert(1)</script></html>", b"GIF89a" + b"\x00" * 20, b"PK\x03\x04"]
)
def test_it_refuses_anything_else_whatever_its_name(content):
    for name in ("a.png", "a.jpg", "a.pdf", "a"):
        with pytest.raises(ValidationError):
            check_file(name, content)


def test_it_refuses_empty_and_oversized_files():
    with pytest.raises(ValidationError, match="empty"):
        check_file("a.pdf", b"")
    with pytest.raises(ValidationError, match="larger than 5 MB"):
        check_file("a.pdf", PDF + b"\x00" * MAX_ATTACHMENT_BYTES)


def test_it_offers_a_harmless_file_name():
    assert clean_name('../../etc/"pass;wd".pdf', "application/pdf") == "passwd.pdf"
    assert clean_name("C:\\Users\\me\\scan.jpg", "image/jpeg") == "scan.jpg"
    assert clean_name("line\nbreak\x00.png", "image/png") == "linebreak.png"
    assert clean_name("", "image/png") == "file.png"
    assert len(clean_name("x" * 500 + ".pdf", "application/pdf")) == 100

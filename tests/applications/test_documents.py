import io
import struct
import zipfile
import zlib

import pytest

from applications.intake.documents import classify, looks_like_resume
from tests.fixtures.mail.make_corpus import docx, odt, pdf


@pytest.mark.parametrize(
    "data,expected",
    [
        (pdf("ok"), ("document", "application/pdf", "")),
        (docx(), ("document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "")),
        (odt(), ("document", "application/vnd.oasis.opendocument.text", "")),
        (b"{\\rtf1 hello}", ("document", "application/rtf", "")),
        (b"MZ\x90\x00", ("refused", "", "executable_attachment")),
        (b"\x7fELF\x02\x01", ("refused", "", "executable_attachment")),
        (b"#!/bin/sh\nrm -rf /", ("refused", "", "executable_attachment")),
        (b"\x1f\x8b\x08\x00", ("refused", "", "archive_attachment")),
        (b"Rar!\x1a\x07\x00", ("refused", "", "archive_attachment")),
        (docx(macros=True), ("refused", "", "macro_document")),
        (b"<html>\n" + pdf("x"), ("refused", "", "pdf_active_content")),
        (b"{\\rtf1 {\\object\\objdata 0102}}", ("refused", "", "executable_attachment")),
        (b"\x89PNG\r\n\x1a\n....", ("ignored", "", "")),
        (b"%PDF-1.7\n garbage with no structure", ("refused", "", "pdf_unreadable")),
    ],
)
def test_classify_by_content(data, expected):
    result = classify(data)

    assert (result.kind, result.content_type, result.reason) == expected


def _pdf_with_object_stream(hidden: bytes, *, open_action: bool = True) -> bytes:
    """A one-page PDF whose object 4 lives only inside a Flate-compressed object stream, reached through
    a cross-reference stream: its names never appear in the file's bytes. It is the catalog's
    /OpenAction, or (open_action=False) the page's additional action on opening."""
    out = io.BytesIO()
    out.write(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}

    def obj(number: int, body: bytes) -> None:
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    obj(1, b"<< /Type /Catalog /Pages 2 0 R" + (b" /OpenAction 4 0 R" if open_action else b"") + b" >>")
    obj(2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
    page_action = b"" if open_action else b" /AA << /O 4 0 R >>"
    obj(3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100]" + page_action + b" >>")
    header = b"4 0 "
    packed = zlib.compress(header + hidden)
    obj(
        5,
        b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (len(header), len(packed))
        + packed
        + b"\nendstream",
    )
    xref_at = out.tell()
    rows = [b"\x00" + struct.pack(">IH", 0, 65535)]
    for number in (1, 2, 3):
        rows.append(b"\x01" + struct.pack(">IH", offsets[number], 0))
    rows.append(b"\x02" + struct.pack(">IH", 5, 0))  # object 4: index 0 of object stream 5
    rows.append(b"\x01" + struct.pack(">IH", offsets[5], 0))
    rows.append(b"\x01" + struct.pack(">IH", xref_at, 0))
    table = zlib.compress(b"".join(rows))
    out.write(
        b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /Length %d >>\nstream\n"
        % len(table)
        + table
        + b"\nendstream\nendobj\n"
    )
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref_at)
    return out.getvalue()


@pytest.mark.parametrize("open_action", [True, False], ids=["catalog open action", "page action"])
def test_pdf_javascript_hidden_in_a_compressed_object_stream_is_found(open_action):
    data = _pdf_with_object_stream(b"<< /S /JavaScript /JS (app.alert(1)) >>", open_action=open_action)
    assert b"/JavaScript" not in data and b"/ObjStm" in data  # only a PDF reader can see it

    result = classify(data)

    assert (result.kind, result.reason) == ("refused", "pdf_active_content")


def test_pdf_with_a_harmless_object_stream_is_a_document():
    assert classify(_pdf_with_object_stream(b"<< /Type /Action /S /URI /URI (https://example.org) >>")).is_document


def test_pdf_javascript_in_an_indirect_open_action_is_found():
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    action = writer._add_object(
        DictionaryObject({NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("x")})
    )
    writer._root_object[NameObject("/OpenAction")] = action
    writer.compress_identical_objects()
    buf = io.BytesIO()
    writer.write(buf)

    assert classify(buf.getvalue()).reason == "pdf_active_content"


def test_zip_that_is_not_an_office_document_is_an_archive():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<x/>")  # no [Content_Types].xml: not a DOCX

    assert classify(buf.getvalue()).reason == "archive_attachment"


def test_text_counts_only_when_declared_and_really_text():
    assert classify(b"Plain resume text", declared_text=True).content_type == "text/plain"
    assert classify(b"Plain resume text").kind == "ignored"
    assert classify(b"<html><body>x</body></html>", declared_text=True).kind == "ignored"
    assert classify(b"\x00\x01binary", declared_text=True).kind == "ignored"


@pytest.mark.parametrize(
    "name,expected",
    [
        ("resume.pdf", True),
        ("My_CV.docx", True),
        ("Lebenslauf.pdf", True),
        ("currículo.pdf", True),
        ("Résumé.pdf", True),
        ("cover-letter.pdf", False),
        ("cvs-receipt.pdf", False),
    ],
)
def test_resume_like_names(name, expected):
    assert looks_like_resume(name) is expected

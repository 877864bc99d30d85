import io
import zipfile

import pytest

from applications.documents import classify, looks_like_resume
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


def test_pdf_javascript_hidden_in_a_compressed_object_stream_is_found():
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

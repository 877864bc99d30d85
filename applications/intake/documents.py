"""What is this file? Decided from its bytes, never from its name or declared MIME type.

`classify(data)` returns a Classification: an accepted document type (PDF, DOCX, ODT, RTF, plain
text), something we ignore (images), or a refusal with one of the intake reason codes
(executable, archive, PDF with active content). Structure is checked, not only magic bytes: a ZIP
is opened to tell a DOCX from an archive, a PDF is parsed to find JavaScript and launch actions.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

import pypdf
from pypdf.errors import PdfReadError
from pypdf.generic import DictionaryObject, IndirectObject, NameObject

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
RTF = "application/rtf"
TEXT = "text/plain"
ACCEPTED_TYPES = {PDF: "pdf", DOCX: "docx", ODT: "odt", RTF: "rtf", TEXT: "txt"}

EXECUTABLE_SIGNATURES = [
    b"MZ",  # Windows PE / DOS
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",  # Mach-O
    b"\xca\xfe\xba\xbe",  # Mach-O fat binary / Java class
    b"#!",  # scripts
]
ARCHIVE_SIGNATURES = [
    b"\x1f\x8b",  # gzip
    b"Rar!\x1a\x07",
    b"7z\xbc\xaf\x27\x1c",
    b"BZh",
    b"\xfd7zXZ\x00",
    b"MSCF",  # cabinet
    b"\x28\xb5\x2f\xfd",  # zstd
]
IMAGE_SIGNATURES = [b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a"]
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc/.xls/.msi container

# PDF names that run code or open other programs. Names may be written with #xx escapes (/J#61vaScript).
PDF_ACTIVE_NAMES = {"/JavaScript", "/JS", "/Launch", "/EmbeddedFile", "/RichMedia", "/XFA"}
_PDF_NAME = re.compile(rb"/[A-Za-z0-9#]+")
_RESUME_NAME = re.compile(r"(resume|résumé|resumé|\bcv\b|_cv|cv_|-cv|cv-|lebenslauf|curr[ií]culo|curriculum)", re.I)


@dataclass(frozen=True)
class Classification:
    kind: str  # "document" | "ignored" | "refused"
    content_type: str = ""
    reason: str = ""  # refusal code for "refused"
    detail: str = ""

    @property
    def is_document(self) -> bool:
        return self.kind == "document"

    @property
    def extension(self) -> str:
        return ACCEPTED_TYPES.get(self.content_type, "bin")


def looks_like_resume(filename: str) -> bool:
    return bool(_RESUME_NAME.search(unicodedata.normalize("NFC", filename or "")))


def classify(data: bytes, *, declared_text: bool = False) -> Classification:
    """Classify a file by content. `declared_text` lets a named text/plain attachment count as a document."""
    head = data[:16]
    if not data:
        return Classification("ignored", detail="empty file")
    if data.startswith(b"%PDF-"):
        return _classify_pdf(data)
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _classify_zip(data)
    if any(head.startswith(sig) for sig in EXECUTABLE_SIGNATURES):
        return Classification("refused", reason="executable_attachment", detail="an executable program or script")
    if any(head.startswith(sig) for sig in ARCHIVE_SIGNATURES) or data[257:262] == b"ustar":
        return Classification("refused", reason="archive_attachment", detail="a compressed archive")
    if data.startswith(b"{\\rtf"):
        if b"\\objdata" in data or b"\\objocx" in data:
            return Classification("refused", reason="executable_attachment", detail="an RTF file with embedded objects")
        return Classification("document", RTF)
    if any(head.startswith(sig) for sig in IMAGE_SIGNATURES):
        return Classification("ignored", detail="an image")
    if data.startswith(OLE_SIGNATURE):
        return Classification("ignored", detail="a legacy Office file (.doc/.xls); please send PDF or DOCX")
    if b"%PDF-" in data[:1024]:
        # Something else first and a PDF after it: the HTML/PDF polyglot trick.
        return Classification("refused", reason="pdf_active_content", detail="a file that is both HTML and PDF")
    if declared_text and _is_text(data):
        return Classification("document", TEXT)
    return Classification("ignored", detail="an unrecognised file type")


def _is_text(data: bytes) -> bool:
    if b"\x00" in data[:8192]:
        return False
    try:
        data[:65536].decode("utf-8")
    except UnicodeDecodeError:
        return False
    lowered = data[:512].lstrip().lower()
    return not lowered.startswith((b"<!doctype html", b"<html", b"<script", b"<svg"))


def _classify_zip(data: bytes) -> Classification:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "word/document.xml" in names and "[Content_Types].xml" in names:
                if any(n.lower().endswith("vbaproject.bin") for n in names):
                    return Classification("refused", reason="macro_document", detail="a Word document with macros")
                return Classification("document", DOCX)
            if "mimetype" in names and archive.read("mimetype").strip() == ODT.encode():
                if any(n.lower().startswith("basic/") for n in names):
                    return Classification("refused", reason="macro_document", detail="an ODT document with macros")
                return Classification("document", ODT)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as exc:
        return Classification("refused", reason="archive_attachment", detail=f"a damaged ZIP file ({exc})")
    return Classification("refused", reason="archive_attachment", detail="a ZIP archive")


def _classify_pdf(data: bytes) -> Classification:
    # Raw names first (catches names in objects pypdf cannot reach), with #xx escapes undone.
    names = set()
    for match in _PDF_NAME.finditer(data):
        name = match.group()
        if b"#" in name:
            name = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), name)
        names.add(name.decode("latin-1"))
    active = names & PDF_ACTIVE_NAMES
    if active:
        name = sorted(active)[0]
        return Classification("refused", reason="pdf_active_content", detail=f"a PDF containing {name}")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            return Classification("refused", reason="pdf_unreadable", detail="an encrypted PDF")
        if len(reader.pages) < 1:
            return Classification("refused", reason="pdf_unreadable", detail="a PDF without pages")
        # Every dictionary outside a compressed object stream was in the raw scan; without object
        # streams only the catalog's actions are left to look at.
        found = _active_names_in_objects(reader, every_object="/ObjStm" in names)
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError, OSError) as exc:
        return Classification("refused", reason="pdf_unreadable", detail=f"a damaged PDF ({type(exc).__name__})")
    if found:
        return Classification("refused", reason="pdf_active_content", detail=f"a PDF containing {found}")
    return Classification("document", PDF)


def _active_names_in_objects(reader: pypdf.PdfReader, *, every_object: bool = True) -> str | None:
    """The catalog's open and additional actions, then (when `every_object`) every object, including
    those packed in compressed object streams."""
    catalog = reader.trailer["/Root"].get_object()
    if "/OpenAction" in catalog or "/AA" in catalog:
        action = catalog.get("/OpenAction")
        action = action.get_object() if isinstance(action, IndirectObject) else action
        if isinstance(action, DictionaryObject) and action.get("/S") in ("/JavaScript", "/Launch"):
            return str(action.get("/S"))
        if "/AA" in catalog:
            return "/AA"
    if not every_object:
        return None
    numbers = set()
    for generation_table in reader.xref.values():
        numbers.update(generation_table)
    numbers.update(reader.xref_objStm)
    for number in sorted(numbers)[:20000]:
        try:
            obj = reader.get_object(number)
        except Exception:  # a broken object is skipped; the raw scan above already saw its bytes
            continue
        if isinstance(obj, DictionaryObject):
            keys = {str(k) for k in obj.keys()}
            hits = keys & PDF_ACTIVE_NAMES
            if hits:
                return sorted(hits)[0]
            if obj.get("/S") in (NameObject("/JavaScript"), NameObject("/Launch")):
                return str(obj.get("/S"))
    return None

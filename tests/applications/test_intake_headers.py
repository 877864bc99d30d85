"""The pipeline parses with compat32 and decodes only the headers it reads. What it reads must be exactly
what the modern API (policy.default) would have given for the same bytes."""

from email import policy
from email.parser import BytesParser
from email.utils import getaddresses

import pytest

from applications.intake import mime

HEADERS = [
    b"Subject: Application 12",
    b"Subject: Re:  two  spaces\tand a tab ",
    b"Subject: folded\r\n  over two lines",
    b"Subject: =?utf-8?q?Bewerbung_J=C3=BCrgen?= (CV)",
    b"Subject: =?iso-8859-1?b?Y3Vycu1jdWxv?=",
    b"Subject: raw \xc3\xbctf-8 bytes",
    b"Subject: =?broken",
    b"From: Ada Lovelace <ada@example.org>",
    b'From: "Doe, Jane" <jane@example.org>',
    b"From: =?utf-8?q?Jos=C3=A9_M=C3=BCller?= <jose@example.es>",
    b"From: \xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd <ivan@example.ru>",
    b"From: jane@example.org (Jane Doe)",
    b"From: <>",
    b"From: Undisclosed recipients:;",
]


@pytest.mark.parametrize("header", HEADERS, ids=lambda h: h[:30].decode("ascii", "replace"))
def test_header_text_and_sender_match_the_modern_api(header):
    raw = header + b"\r\nTo: apply@runway.test\r\n\r\nHello\r\n"
    modern = BytesParser(policy=policy.default).parsebytes(raw)
    compat = BytesParser(policy=policy.compat32).parsebytes(raw)
    name = header.split(b":", 1)[0].decode()

    assert mime.header_text(compat, name) == str(modern[name])
    if name == "From":
        # _sender reads the raw value when it is plain ASCII: the same person must come out.
        expected = next(
            ((mime.nfc(n.strip().strip('"')), a.lower()) for n, a in getaddresses([str(modern["From"])]) if "@" in a),
            ("", ""),
        )
        assert mime.sender(compat) == expected

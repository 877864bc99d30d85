"""Applications: calls, the ways applications arrive (`intake/`), questionnaires, review and
analytics (`review/`), interviews (`interviews/`), decisions and offers (`decisions.py`), the outbox
(`outbox.py`: every email Runway sends), and the updates sign-up and announcements (`updates/`).

May import: `program`; never `grants` or `demo` (grants picks accepted grant applications up itself).
"""

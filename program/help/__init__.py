"""The TA help queue, fed by the lab machines: a pair asks in one click and the entry carries the
failing tests of its latest report; the stuck rules propose entries a TA accepts; TAs claim, resolve
or hand back; coordinators read the waits and the tests that raise most questions. Also the outgoing
webhook for long waits.

May import: `program.models`, `program.labs`, `program.statemachine` and the rest of `program`'s
services (never `applications` or `grants`)."""

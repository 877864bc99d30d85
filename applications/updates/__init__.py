"""Around the calls: the updates sign-up (double opt-in, one-click unsubscribe), announcements to
subscribers through the outbox, curriculum access requests, and their pages.

May import: `program` and the rest of `applications`; never `grants` or `demo`."""

"""Alumni: who completed a cohort or a grant, their history and current role, the organizers'
hiring flag and private notes, and the pages.

May import: `program`, `applications` and the rest of `grants`; never `demo`."""

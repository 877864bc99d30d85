"""The base of Runway: people and roles (the custom user), cohorts and program days, enrollments,
dashboards and their panel registry, the state machine, and small single-purpose helpers every app
uses (text cleaning, request parameters, validators, access checks, absolute links, exports, PDFs,
files, queueing tasks by name).

Folders: `cohorts/` (running a cohort), `labs/` (progress from the lab machines), `feedback/`,
`scheduling/` (the pure engine: no Django), `labagent/` (the agent: standard library only).
May import: nothing of `applications`, `grants` or `demo`; they import this.
"""

class MalformedInstance(ValueError):
    """The instance does not follow FORMAT.md (exit code 2)."""


class Infeasible(RuntimeError):
    """The instance is well formed but no schedule satisfies its hard rules (exit code 1)."""

"""Services: one transaction per user action, permission checks, frozen dataclass results."""

"""The autopilot (issue 25): watch folders imported once, batching rules, auto-submit."""

"""Pre-check over the database: run the rules, store problems, tax and statuses."""

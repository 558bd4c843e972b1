"""Submission GUI: batches, submit, receipts watcher, To fix, training database."""

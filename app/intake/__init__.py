"""Intake: reading platform order files, mapping their columns to CEB fields, normalising values
and grouping item rows into declarations. Everything here is Qt-free and database-free; the
import service (DB) builds on it.
"""

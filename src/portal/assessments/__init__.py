"""Assessments: the only app that talks to rulebook (through engine.py); stored results can be replayed."""

"""Triage: what a caller's words say — extraction, classification, emergency judgement and dispatch hints."""

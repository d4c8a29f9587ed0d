"""Triage of hotline calls: emergency rules, the trained classifier, suggestions and their application."""

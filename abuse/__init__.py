"""Abusive and nuisance callers (issue 6): incidents, graded blacklist with expiry and appeal, the caller screen."""

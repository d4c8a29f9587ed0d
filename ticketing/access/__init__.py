"""Access audit: who looked at personal data (recordings, unmasked caller numbers, caller lookups) and
login throttling records (failed attempts, lock and unlock events)."""

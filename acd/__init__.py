"""Automatic call distribution (ACD): agent phones and states, the caller queue, 漏接回拨 and queue statistics."""

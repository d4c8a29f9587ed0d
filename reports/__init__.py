"""Accountability reports: scheduled bulletins and exports, the case ledger, public disclosure, early warning
and the boundary list. Built on ticketing.reports (the 三率 are defined there, never here)."""

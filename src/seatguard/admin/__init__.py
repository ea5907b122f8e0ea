"""The organizer's back office: audit log, order search and exports (admin only)."""

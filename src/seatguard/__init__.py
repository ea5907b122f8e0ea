"""SeatGuard: concert ticket sales with real-time seat holds that never oversell."""

__version__ = "0.1.0"

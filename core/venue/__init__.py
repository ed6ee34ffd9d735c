"""The venue: venues, spaces, events, recurring public sessions, bookings, calendars."""

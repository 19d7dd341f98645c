"""Cohort's real-time plumbing, shared by every app: the WebSocket consumer base, group names,
frame field helpers and the one sender of channel-layer events."""

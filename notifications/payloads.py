from notifications.models import Notification


def notification_payload(notification: Notification) -> dict:
    """Return the JSON shape of one notification, as docs/protocol.md describes it."""
    actor = notification.actor
    return {
        "id": notification.id,
        "kind": notification.kind,
        "text": notification.text,
        "url": notification.url,
        "actor": None if actor is None else {"id": actor.id, "name": actor.name},
        "created_at": notification.created_at.isoformat(),
        "read": notification.read_at is not None,
    }

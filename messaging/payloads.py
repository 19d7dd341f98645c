from messaging.models import Message


def message_payload(message: Message) -> dict:
    """Return the JSON shape of one message, as docs/protocol.md describes it."""
    return {
        "id": message.id,
        "conversation": message.conversation_id,
        "sender": {"id": message.sender_id, "name": message.sender.name},
        "body": "" if message.is_deleted else message.body,
        "client_id": message.client_id,
        "created_at": message.created_at.isoformat(),
        "deleted": message.is_deleted,
    }

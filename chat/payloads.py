from chat.models import Message


def user_payload(user) -> dict:
    return {"id": user.pk, "username": user.username, "name": user.name}


def message_payload(message: Message, author=None) -> dict:
    """Return the JSON shape of one message, as docs/protocol.md describes it.

    Pass `author` when it is at hand, to spare the query for `message.author`.
    """
    if author is None and message.author_id is not None:
        author = message.author
    return {
        "id": message.pk,
        "seq": message.seq,
        "author": None if author is None else user_payload(author),
        "body": message.body,
        "created_at": message.created_at.isoformat(),
        "edited_at": message.edited_at.isoformat() if message.edited_at else None,
        "deleted": message.deleted_at is not None,
    }

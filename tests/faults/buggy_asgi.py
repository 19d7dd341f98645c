"""config.asgi's application with two bugs planted, for tests/faults/ ("a socket that raises").

- A `typing` frame with `"crash": true` makes the frame handler raise.
- A `chat.typing` event from a user named "carol" makes every other socket's event handler
  raise, which ends those consumers (the server then closes their sockets).
"""

# isort: off
# config.asgi sets Django up; the consumers can be imported only after it.
from config.asgi import application
from chat.consumers import ChatConsumer

# isort: on

__all__ = ["application"]

_handle_typing = ChatConsumer.handle_typing
_chat_typing = ChatConsumer.chat_typing


async def handle_typing(self, frame):
    if frame.get("crash") is True:
        raise RuntimeError("planted bug in a frame handler")
    await _handle_typing(self, frame)


async def chat_typing(self, event):
    if event["user"]["username"] == "carol" and self.user.username != "carol":
        raise RuntimeError("planted bug in an event handler")
    await _chat_typing(self, event)


ChatConsumer.handle_typing = handle_typing
ChatConsumer.chat_typing = chat_typing

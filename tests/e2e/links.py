"""A page's sockets routed through Playwright, so that a test can cut them as a network would."""


class Link:
    """The sockets of a page on one path.

    An offline browser context refuses new connections, but Chromium keeps sockets that are
    already open; cutting them here is what a dropped network does to them.
    """

    def __init__(self):
        self.offline = False
        self.open: list = []

    def route(self, socket) -> None:
        if self.offline:
            socket.close(code=1001, reason="offline")
            return
        self.open.append((socket, socket.connect_to_server()))

    def cut(self) -> None:
        self.offline = True
        for socket, server in self.open:
            server.close()
            socket.close(code=1001, reason="offline")
        self.open.clear()

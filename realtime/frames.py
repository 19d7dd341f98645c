"""Checks of client frame fields shared by every consumer; a bad field raises FrameError."""

from django.utils.translation import gettext as _

# Ids and sequence numbers are PostgreSQL bigints: larger values can name nothing.
LARGEST_ID = 2**63 - 1
MAX_REF_CHARS = 64


class FrameError(Exception):
    """A client frame that cannot be served; reported as an error frame."""

    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code = code
        self.detail = detail


def int_field(frame: dict, name: str, *, minimum: int = 0) -> int:
    """Return the frame's integer field `name`, from `minimum` up to the bigint maximum."""
    value = frame.get(name)
    if type(value) is not int or not minimum <= value <= LARGEST_ID:
        raise FrameError(
            "bad_frame",
            _("'%(name)s' must be an integer of at least %(minimum)s.")
            % {"name": name, "minimum": minimum},
        )
    return value


def clean_ref(ref) -> str | None:
    """Return the client's `ref` to echo in a reply, or None when it is not a short string."""
    if isinstance(ref, str) and len(ref) <= MAX_REF_CHARS:
        return ref
    return None

"""Markdown and HTML that would run script if the pipeline let it through.

Every payload that could execute sets `window.pwned` or opens a dialog, so a browser test can
prove that none ran.
"""

from html.parser import HTMLParser
from urllib.parse import urlsplit

from markup.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS

PAYLOADS = [
    "<script>window.pwned = 1</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src="x" onerror="window.pwned = 1">',
    "<svg onload=window.pwned=1>",
    "<svg><script>window.pwned = 1</script></svg>",
    '<svg><a xlink:href="javascript:window.pwned=1"><text y="20">svg link</text></a></svg>',
    '<iframe src="javascript:window.pwned=1"></iframe>',
    '<object data="data:text/html,<script>window.pwned=1</script>"></object>',
    '<embed src="javascript:window.pwned=1">',
    "<body onload=window.pwned=1>",
    "<details open ontoggle=window.pwned=1>details</details>",
    "<input autofocus onfocus=window.pwned=1>",
    '<video><source onerror="window.pwned = 1"></video>',
    '<form action="javascript:window.pwned=1"><button>go</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:window.pwned=1">',
    '<base href="javascript:/">',
    "<style>@import 'javascript:alert(1)';</style>",
    '<div style="background:url(javascript:alert(1))">styled</div>',
    '<a href="javascript:window.pwned=1">raw link</a>',
    '<a href="&#x6A;avascript:window.pwned=1">entity link</a>',
    "<<script>script>window.pwned=1<</script>/script>",
    "<scr<script>ipt>window.pwned=1</script>",
    "<!--><script>window.pwned=1</script>-->",
    '<noscript><p title="</noscript><img src=x onerror=window.pwned=1>">',
    '<math><mi xlink:href="javascript:alert(1)">math</mi></math>',
    "[click](javascript:window.pwned=1)",
    "[click](JaVaScRiPt:window.pwned=1)",
    "[click](javascript://%0Awindow.pwned=1)",
    "[click](&#106;avascript:window.pwned=1)",
    "[click](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1))",
    "[click](java&#x09;script:window.pwned=1)",
    "[click](<javascript:window.pwned=1>)",
    "[click](data:text/html;base64,PHNjcmlwdD53aW5kb3cucHduZWQ9MTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    '[click](https://example.com" onclick="window.pwned=1)',
    "![image](javascript:window.pwned=1)",
    '![image](x" onerror="window.pwned=1)',
    "![svg](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "[reference][evil]\n\n[evil]: javascript:window.pwned=1",
    '[reference with title][r2]\n\n[r2]: javascript:alert(1) "title"',
    "[entity reference][r3]\n\n[r3]: &#106;avascript:alert(1)",
    "<javascript:window.pwned=1>",
    '<https://example.com/" onmouseover="window.pwned=1>',
    "<mailto:x@example.com?body=<script>window.pwned=1</script>>",
    "```html\n<script>window.pwned = 1</script>\n```",
    "`<img src=x onerror=window.pwned=1>`",
    "| column |\n| --- |\n| <img src=x onerror=window.pwned=1> |",
    '<a href="  javascript:window.pwned=1">spaced link</a>',
    "> <script>window.pwned=1</script> quoted",
]
CORPUS = "\n\n".join(PAYLOADS)

SAFE_SCHEMES = {"", "http", "https", "mailto"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data"}


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def executable_parts(html: str) -> list[str]:
    """Return what in `html` a browser could run or load as script; empty when it is inert."""
    parser = _Elements()
    parser.feed(html)
    parser.close()
    problems = []
    for tag, attrs in parser.found:
        if tag not in ALLOWED_TAGS:
            problems.append(f"tag <{tag}>")
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | ({"rel"} if tag == "a" else set())
        for name, value in attrs.items():
            if name not in allowed or name.startswith("on"):
                problems.append(f"attribute {name} on <{tag}>")
            if name in URL_ATTRIBUTES:
                scheme = urlsplit("".join((value or "").split())).scheme.lower()
                if scheme not in SAFE_SCHEMES:
                    problems.append(f"URL {value!r} on <{tag}>")
            if "javascript:" in "".join((value or "").split()).lower():
                problems.append(f"javascript: in {name} on <{tag}>")
    return problems

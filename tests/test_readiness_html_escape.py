"""The readiness HTML report escapes every value AWS answered, the account id included (in
text, in the row's anchor and in the link to it): Organizations' answer is taken as text,
and a broken or hostile endpoint can answer markup."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

from drconsole.models import CauseCode
from drconsole.readiness.export_html import render
from drconsole.readiness.model import ReadinessReport, ReadinessRow, ReadinessScope, Verdict

NOW = datetime(2026, 12, 5, tzinfo=UTC)
EVIL = '1"><img src=x onerror=alert(document.domain)>'


class Elements(HTMLParser):
    """Every start tag of a page with its attributes, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_a_hostile_account_id_stays_text() -> None:
    row = ReadinessRow(
        account_id=EVIL,
        account_name="prod",
        ou_path="Root/Prod",
        region="eu-central-1",
        verdict=Verdict.UNKNOWN,
        causes=(CauseCode.ROLE_PERMISSIONS,),
        rpo_objective=timedelta(hours=24),
        evaluated_at=NOW,
        unreadable=("AccessDenied",),
        explanation=("ROLE_PERMISSIONS: could not list",),
    )
    page = render(ReadinessReport((row,), NOW, ReadinessScope(("eu-central-1",)), 1, 0.1))
    parsed = Elements()
    parsed.feed(page)
    assert "img" not in {tag for tag, _ in parsed.tags}
    anchor = f"row-{EVIL}-eu-central-1"
    (heading,) = [attrs for tag, attrs in parsed.tags if tag == "h3"]
    links = [attrs["href"] for tag, attrs in parsed.tags if tag == "a"]
    assert heading["id"] == anchor and links == [f"#{anchor}"]
    assert page.count("1&quot;&gt;&lt;img src=x onerror=alert(document.domain)&gt;") == 4


HOSTILE_NAME = "evil\x1b[2J\x1b]0;PWNED\x07\r\nFORGED LINE\x9b31m"


def test_a_hostile_account_name_reaches_the_page_without_a_control_character() -> None:
    """Organizations takes any account name: printed by `cat` in a CI log, the report must not
    clear or retitle the terminal, nor forge a line; raw C0 controls are HTML parse errors."""
    row = ReadinessRow(
        account_id="111122223333",
        account_name=HOSTILE_NAME,
        ou_path="Root/Prod\x1b[31m",
        region="eu-central-1",
        verdict=Verdict.UNKNOWN,
        causes=(CauseCode.ROLE_PERMISSIONS,),
        rpo_objective=timedelta(hours=24),
        evaluated_at=NOW,
        unreadable=("AccessDenied \x1b[2J",),
        explanation=("ROLE_PERMISSIONS: could not list\x07",),
    )
    page = render(ReadinessReport((row,), NOW, ReadinessScope(("eu-central-1",)), 1, 0.1))
    raw = [c for c in page if (ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F]
    assert raw == []
    assert "evil\\x1b[2J\\x1b]0;PWNED\\x07\\r\\nFORGED LINE\\x9b31m" in page

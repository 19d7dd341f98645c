"""Study cards show a clean plain-text summary of the markdown description."""

import pytest

from tests.studies.conftest import client_for, make_study

pytestmark = pytest.mark.django_db


def test_the_explore_card_summary_is_plain_text_with_list_items_apart(bob):
    make_study(bob, description="We read **CLRS** &amp; more:\n\n- sorting\n- heaps")
    html = client_for().get("/studies/").content.decode()
    assert "We read CLRS &amp; more: • sorting • heaps" in html
    assert "**" not in html
    assert "sortingheaps" not in html

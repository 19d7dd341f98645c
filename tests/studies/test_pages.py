"""The study page, My studies, bookmarks and the profile additions."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from board.services import task_create
from rtc.models import Attendance, CallSession
from studies import services
from studies.models import Bookmark, Review, Study
from tests.studies.conftest import client_for, join, make_study

pytestmark = pytest.mark.django_db


def test_the_description_is_rendered_markdown_with_html_escaped(bob):
    study = make_study(bob, description="**bold** <script>alert(1)</script>")
    page = Client().get(study.get_absolute_url()).content.decode()
    assert "<strong>bold</strong>" in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_the_page_shows_schedule_tags_and_members(member_study, carol):
    page = Client().get(member_study.get_absolute_url()).content.decode()
    assert member_study.start_date.strftime("%Y") in page
    assert 'data-tag="python"' in page
    assert f'data-member="{carol.pk}"' in page
    assert f'data-member-actions="{carol.pk}"' in page
    assert "2/4" in page


def test_an_unknown_study_is_404():
    assert Client().get("/studies/999999/").status_code == 404


def test_study_page_queries_do_not_grow_with_members_tags_or_requests(
    make_user, django_assert_max_num_queries
):
    owner = make_user("owner")
    member = make_user("m0")
    small = make_study(owner, title="Small", tags=["a"], capacity=50)
    join(small, member)
    services.join_request_create(study=small, user=make_user("p0"))
    big = make_study(owner, title="Big", tags=["a", "b", "c", "d", "e"], capacity=50)
    join(big, member)
    for n in range(12):
        join(big, make_user(f"big{n}"))
    for n in range(6):
        services.join_request_create(study=big, user=make_user(f"bigp{n}"))
    today = timezone.localdate()
    for n in range(8):
        task_create(study=big, by=owner, title=f"Task {n}", due_date=today + timedelta(days=n))
    for n in range(3):
        started = timezone.now() - timedelta(days=n + 1)
        call = CallSession.objects.create(
            study=big, started_at=started, ended_at=started + timedelta(hours=1)
        )
        for stay in range(4):
            Attendance.objects.create(
                session=call,
                user=member if stay % 2 else owner,
                joined_at=started + timedelta(minutes=stay),
                left_at=started + timedelta(minutes=30 + stay),
            )
    Review.objects.create(study=big, reviewer=member, reviewee=owner, score=5)
    services.study_status_change(study=small, to=Study.Status.IN_PROGRESS, by=owner)
    services.study_status_change(study=big, to=Study.Status.IN_PROGRESS, by=owner)
    for viewer in (None, owner, member, make_user("stranger")):
        client = client_for(viewer)
        # The session, the user, the header's unread counts, the page, and the board, call and
        # chat panels, which take the viewer's access from the page rather than asking again.
        with django_assert_max_num_queries(10) as few:
            client.get(small.get_absolute_url())
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get(big.get_absolute_url())


def test_my_studies_lists_owned_joined_and_pending(bob, carol, alice):
    owned = make_study(carol, title="Carol's own")
    joined = make_study(bob, title="Bob's")
    join(joined, carol)
    pending = make_study(alice, title="Alice's")
    services.join_request_create(study=pending, user=carol)
    context = client_for(carol).get("/studies/mine/").context
    assert [s.title for s in context["owned"]] == [owned.title]
    assert [s.title for s in context["joined"]] == [joined.title]
    assert [r.study.title for r in context["pending"]] == [pending.title]


def test_bookmarks(study, alice):
    client = client_for(alice)
    client.post(f"/studies/{study.pk}/bookmark/", {"action": "add"})
    client.post(f"/studies/{study.pk}/bookmark/", {"action": "add"})
    assert Bookmark.objects.filter(user=alice).count() == 1
    page = client.get("/studies/bookmarks/")
    assert [s.title for s in page.context["page"].object_list] == [study.title]
    assert "data-bookmarked" in page.content.decode()
    assert "data-bookmarked" not in client_for(study.owner).get("/studies/").content.decode()
    assert "Bookmarked" in client.get(study.get_absolute_url()).content.decode()
    client.post(f"/studies/{study.pk}/bookmark/", {"action": "remove"})
    assert not Bookmark.objects.exists()
    assert client.post("/studies/999999/bookmark/").status_code == 404


def test_bookmark_redirects_only_to_this_site(study, alice):
    client = client_for(alice)
    response = client.post(f"/studies/{study.pk}/bookmark/", {"next": "https://evil.example/"})
    assert response["Location"] == study.get_absolute_url()
    response = client.post(f"/studies/{study.pk}/bookmark/", {"next": "/studies/?tag=python"})
    assert response["Location"] == "/studies/?tag=python"


def test_other_users_bookmarks_are_private(study, alice, bob):
    services.bookmark_add(study=study, user=alice)
    assert list(client_for(bob).get("/studies/bookmarks/").context["page"].object_list) == []


def test_the_profile_shows_scores_reviews_and_studies(member_study, bob, carol, alice):
    join(member_study, alice)
    services.study_status_change(study=member_study, to=Study.Status.IN_PROGRESS, by=bob)
    services.review_create(study=member_study, reviewer=bob, reviewee=carol, score=5, text="Ace")
    services.review_create(study=member_study, reviewer=alice, reviewee=carol, score=4)
    page = Client().get("/u/carol/").content.decode()
    assert "★ 4.5" in page
    assert "from 2 reviews" in page
    assert "Ace" in page
    assert member_study.title in page
    assert "No reviews yet." in Client().get("/u/alice/").content.decode()


def test_a_study_not_recruiting_offers_no_way_to_ask(study, bob, alice):
    services.study_status_change(study=study, to=Study.Status.IN_PROGRESS, by=bob)
    for viewer in (None, alice):
        page = client_for(viewer).get(study.get_absolute_url()).content.decode()
        assert "This study is not taking requests." in page
        assert "Log in to ask to join" not in page
        assert f"/studies/{study.pk}/join/" not in page

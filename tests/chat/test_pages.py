"""The chat pages of a study, the room page, closing over HTTP, and the study panel."""

import pytest
from django.template import Context, Template
from django.test import Client

from chat.models import Category, Room
from chat.services import message_post, presence_enter, room_close
from tests.chat.factories import join, make_room, make_study

pytestmark = pytest.mark.django_db


@pytest.fixture
def study(alice, bob):
    return make_study(alice, bob)


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_anonymous_visitors_are_sent_to_log_in(study):
    room = make_room(study, study.owner)
    for url in (f"/chat/studies/{study.pk}/", room.get_absolute_url()):
        response = client_for().get(url)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")


def test_outsiders_get_403_and_unknown_objects_404(study, make_user):
    room = make_room(study, study.owner)
    outsider = client_for(make_user("mallory"))
    assert outsider.get(f"/chat/studies/{study.pk}/").status_code == 403
    assert outsider.get(room.get_absolute_url()).status_code == 403
    assert outsider.post(f"/chat/studies/{study.pk}/", {"category": "qna"}).status_code == 403
    assert outsider.post(f"/chat/rooms/{room.pk}/close/").status_code == 403
    assert client_for(study.owner).get("/chat/studies/999999/").status_code == 404
    assert client_for(study.owner).get("/chat/rooms/999999/").status_code == 404
    assert Room.objects.get(pk=room.pk).is_open
    assert Room.objects.count() == 1


def test_a_member_opens_a_room_and_sees_it_listed(study, bob):
    client = client_for(bob)
    response = client.post(f"/chat/studies/{study.pk}/", {"category": Category.QNA})
    room = Room.objects.get(study=study)
    assert response.status_code == 302 and response.url == room.get_absolute_url()
    page = client.get(f"/chat/studies/{study.pk}/")
    assert page.status_code == 200
    assert "Q&amp;A" in page.content.decode()
    room_page = client.get(room.get_absolute_url())
    assert room_page.status_code == 200
    assert f'data-room-id="{room.pk}"' in room_page.content.decode()


def test_opening_beyond_the_limits_shows_a_form_error(study, alice):
    client = client_for(alice)
    make_room(study, alice, Category.PLANNING)
    response = client.post(f"/chat/studies/{study.pk}/", {"category": Category.PLANNING})
    assert response.status_code == 400
    assert "already has an open room" in response.content.decode()
    assert client.post(f"/chat/studies/{study.pk}/", {"category": "gossip"}).status_code == 400
    make_room(study, alice, Category.QNA)
    make_room(study, alice, Category.REVIEW)
    response = client.post(f"/chat/studies/{study.pk}/", {"category": Category.GENERAL})
    assert response.status_code == 400
    assert "at most three open rooms" in response.content.decode()
    assert Room.objects.filter(study=study).count() == 3


def test_closing_is_post_only_and_for_creator_or_owner(study, alice, bob, make_user):
    carol = make_user("carol")
    join(study, carol)
    room = make_room(study, bob)
    assert client_for(bob).get(f"/chat/rooms/{room.pk}/close/").status_code == 405
    assert client_for(carol).post(f"/chat/rooms/{room.pk}/close/").status_code == 403
    assert Room.objects.get(pk=room.pk).is_open
    response = client_for(alice).post(f"/chat/rooms/{room.pk}/close/")
    assert response.status_code == 302
    assert not Room.objects.get(pk=room.pk).is_open


def test_a_closed_room_reads_its_history_without_a_socket(study, alice, settings):
    settings.CHAT_FLOOD_LIMIT = 1000
    room = make_room(study, alice)
    for i in range(1, 61):
        message_post(room_id=room.pk, author=alice, body=f"<b>m{i}</b>", client_id=str(i))
    room_close(room=room, by=alice)
    client = client_for(alice)
    page = client.get(room.get_absolute_url()).content.decode()
    assert "js/chat.js" not in page
    assert "data-room-closed" in page
    assert "&lt;b&gt;m60&lt;/b&gt;" in page and "<b>m60" not in page
    assert "&lt;b&gt;m10&lt;/b&gt;" not in page
    assert "?before=11" in page
    for junk in ("99999999999999999999999", "-3", "abc", "0", "²"):
        assert client.get(room.get_absolute_url() + f"?before={junk}").status_code == 200
    older = client.get(room.get_absolute_url() + "?before=11").content.decode()
    assert "&lt;b&gt;m10&lt;/b&gt;" in older and "m11<" not in older


def render_panel(study, user) -> str:
    template = Template("{% load chat_tags %}{% chat_study_panel study %}")
    return template.render(Context({"study": study, "user": user}))


def test_the_study_panel_lists_open_rooms_with_who_is_online(study, alice, bob, make_user):
    general = make_room(study, alice)
    closed = make_room(study, alice, Category.QNA)
    room_close(room=closed, by=alice)
    presence_enter(room_id=general.pk, user_id=bob.pk, channel_name="specific.b1")
    presence_enter(room_id=general.pk, user_id=bob.pk, channel_name="specific.b2")
    presence_enter(room_id=general.pk, user_id=alice.pk, channel_name="specific.a1")
    html = render_panel(study, bob)
    assert f'data-room-id="{general.pk}"' in html
    assert 'data-online-count="2"' in html
    assert f'data-room-id="{closed.pk}"' not in html
    outsider_view = render_panel(study, make_user("mallory"))
    assert "data-room-id" not in outsider_view


def test_the_room_page_offers_closing_to_its_creator_and_the_owner_only(
    study, alice, bob, make_user, django_assert_max_num_queries
):
    carol = make_user("carol")
    join(study, carol)
    room = make_room(study, bob)
    close = f'action="/chat/rooms/{room.pk}/close/"'
    for user, offered in ((alice, True), (bob, True), (carol, False)):
        client = client_for(user)
        client.get(room.get_absolute_url())
        # The session, the user, the room, the member check, the header: one access check.
        with django_assert_max_num_queries(5):
            page = client.get(room.get_absolute_url()).content.decode()
        assert (close in page) is offered, user

"""Every board view: anonymous users log in, outsiders get 403, unknown ids 404, members pass."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from board import services
from board.models import Attachment, Comment, Post, Task
from tests.board.conftest import client_for, make_study

pytestmark = pytest.mark.django_db


@pytest.fixture
def comment(post, member2):
    return services.comment_create(post=post, author=member2, body="Nice *notes*")


@pytest.fixture
def objects(study, task, post, comment):
    return {
        "study": study.pk,
        "task": task.pk,
        "post": post.pk,
        "comment": comment.pk,
        "attachment": post.attachments.get().pk,
    }


def text_file(name="more.txt"):
    return SimpleUploadedFile(name, b"more", content_type="text/plain")


# (url name, URL argument names, method, POST data) for every view a member may use.
MEMBER_VIEWS = [
    ("board:tasks", [], "get", None),
    ("board:task_create", [], "get", None),
    ("board:task_create", [], "post", {"title": "New task"}),
    ("board:task", ["task"], "get", None),
    ("board:task_edit", ["task"], "get", None),
    ("board:task_edit", ["task"], "post", {"title": "Renamed"}),
    ("board:task_complete", ["task"], "post", {}),
    ("board:task_reopen", ["task"], "post", {}),
    ("board:post_create", ["task"], "get", None),
    ("board:post_create", ["task"], "post", {"title": "Hello", "body": "Hi"}),
    ("board:post", ["post"], "get", None),
    ("board:comment_create", ["post"], "post", {"body": "A comment"}),
    ("board:attachment", ["attachment"], "get", None),
    ("board:preview", [], "post", {"body": "**bold**"}),
    ("board:search", [], "get", None),
]
# Views that also need authorship (or ownership); outsiders and anonymous users never get that far.
AUTHOR_VIEWS = [
    ("board:post_edit", ["post"], "get", None),
    ("board:post_edit", ["post"], "post", {"title": "Hijack", "body": "x"}),
    ("board:post_delete", ["post"], "post", {}),
    ("board:attachments_add", ["post"], "post", {}),
    ("board:attachment_delete", ["attachment"], "post", {}),
    ("board:comment_edit", ["comment"], "get", None),
    ("board:comment_edit", ["comment"], "post", {"body": "Hijack"}),
    ("board:comment_delete", ["comment"], "post", {}),
    ("board:task_delete", ["task"], "post", {}),
]
EVERY_VIEW = MEMBER_VIEWS + AUTHOR_VIEWS
SUCCESS = {200, 302}


def call(client, name, args, method, data):
    url = reverse(name, args=args)
    return client.get(url) if method == "get" else client.post(url, data or {})


def args_for(objects, names, study_id=None):
    return [study_id or objects["study"], *(objects[name] for name in names)]


@pytest.mark.parametrize(("name", "arg_names", "method", "data"), EVERY_VIEW)
def test_anonymous_is_sent_to_log_in(objects, name, arg_names, method, data):
    response = call(client_for(None), name, args_for(objects, arg_names), method, data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def counts():
    return (
        Task.objects.count(),
        Post.objects.count(),
        Comment.objects.count(),
        Attachment.objects.count(),
    )


@pytest.mark.parametrize(("name", "arg_names", "method", "data"), EVERY_VIEW)
def test_outsider_is_forbidden(objects, outsider, name, arg_names, method, data):
    before = counts()
    response = call(client_for(outsider), name, args_for(objects, arg_names), method, data)
    assert response.status_code == 403
    assert counts() == before


@pytest.mark.parametrize("who", ["member2", "owner"])
@pytest.mark.parametrize(("name", "arg_names", "method", "data"), MEMBER_VIEWS)
def test_members_and_the_owner_are_served(objects, who, name, arg_names, method, data, request):
    user = request.getfixturevalue(who)
    response = call(client_for(user), name, args_for(objects, arg_names), method, data)
    assert response.status_code in SUCCESS, response.content[:500]


@pytest.mark.parametrize(("name", "arg_names", "method", "data"), EVERY_VIEW)
def test_unknown_study_is_404(objects, member, name, arg_names, method, data):
    response = call(client_for(member), name, args_for(objects, arg_names, 999999), method, data)
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("name", "arg_name"),
    [
        ("board:task", "task"),
        ("board:post", "post"),
        ("board:attachment", "attachment"),
        ("board:comment_edit", "comment"),
    ],
)
def test_objects_of_another_study_are_404_through_ones_own_study(
    objects, owner, member, name, arg_name
):
    """A member of two studies cannot reach study A's objects through study B's URLs."""
    other = make_study(owner, title="Another study")
    response = client_for(owner).get(reverse(name, args=[other.pk, objects[arg_name]]))
    assert response.status_code == 404


def test_get_is_not_allowed_for_state_changes(objects, member):
    client = client_for(member)
    for name, arg_name in [
        ("board:task_complete", "task"),
        ("board:task_delete", "task"),
        ("board:post_delete", "post"),
        ("board:comment_delete", "comment"),
        ("board:attachment_delete", "attachment"),
    ]:
        assert (
            client.get(reverse(name, args=[objects["study"], objects[arg_name]])).status_code == 405
        )
    assert client.get(reverse("board:preview", args=[objects["study"]])).status_code == 405


def test_csrf_is_enforced(objects, member):
    client = client_for(member)
    client.handler.enforce_csrf_checks = True
    url = reverse("board:post_create", args=[objects["study"], objects["task"]])
    response = client.post(url, {"title": "No token", "body": "x"})
    assert response.status_code == 403
    assert not Post.objects.filter(title="No token").exists()
    url = reverse("board:comment_create", args=[objects["study"], objects["post"]])
    assert client.post(url, {"body": "No token"}).status_code == 403


# Author and owner rules


def test_post_is_edited_by_its_author_only(objects, member, member2, owner):
    url = reverse("board:post_edit", args=[objects["study"], objects["post"]])
    for other in (member2, owner):
        assert client_for(other).get(url).status_code == 404
        assert client_for(other).post(url, {"title": "Hijack", "body": "x"}).status_code == 404
    assert Post.objects.get().title == "My notes"
    response = client_for(member).post(url, {"title": "Better notes", "body": "# Title"})
    assert response.status_code == 302
    post = Post.objects.get()
    assert (post.title, post.body_html) == ("Better notes", "<h1>Title</h1>")


def test_another_member_cannot_delete_a_post(objects, member2):
    url = reverse("board:post_delete", args=[objects["study"], objects["post"]])
    assert client_for(member2).post(url).status_code == 403
    assert Post.objects.filter(pk=objects["post"]).exists()


@pytest.mark.parametrize("who", ["member", "owner"])
def test_author_and_owner_delete_a_post(objects, who, request):
    url = reverse("board:post_delete", args=[objects["study"], objects["post"]])
    assert client_for(request.getfixturevalue(who)).post(url).status_code == 302
    assert not Post.objects.filter(pk=objects["post"]).exists()
    assert not Attachment.objects.exists()


def test_comment_is_edited_by_its_author_only(objects, member, member2, owner):
    url = reverse("board:comment_edit", args=[objects["study"], objects["comment"]])
    for other in (member, owner):
        assert client_for(other).post(url, {"body": "Hijack"}).status_code == 404
    assert client_for(member2).post(url, {"body": "Edited _here_"}).status_code == 302
    assert Comment.objects.get().body_html == "<p>Edited <em>here</em></p>"


def test_another_member_cannot_delete_a_comment(objects, member):
    url = reverse("board:comment_delete", args=[objects["study"], objects["comment"]])
    assert client_for(member).post(url).status_code == 403
    assert Comment.objects.exists()


@pytest.mark.parametrize("who", ["member2", "owner"])
def test_author_and_owner_delete_a_comment(objects, who, request):
    url = reverse("board:comment_delete", args=[objects["study"], objects["comment"]])
    assert client_for(request.getfixturevalue(who)).post(url).status_code == 302
    assert not Comment.objects.exists()


def test_only_the_author_adds_files(objects, member, member2, owner):
    url = reverse("board:attachments_add", args=[objects["study"], objects["post"]])
    for other in (member2, owner):
        assert client_for(other).post(url, {"files": [text_file()]}).status_code == 403
    assert Attachment.objects.count() == 1
    assert client_for(member).post(url, {"files": [text_file()]}).status_code == 302
    assert Attachment.objects.count() == 2


def test_another_member_cannot_remove_a_file(objects, member2):
    url = reverse("board:attachment_delete", args=[objects["study"], objects["attachment"]])
    assert client_for(member2).post(url).status_code == 403
    assert Attachment.objects.exists()


@pytest.mark.parametrize("who", ["member", "owner"])
def test_author_and_owner_remove_a_file(objects, who, request):
    url = reverse("board:attachment_delete", args=[objects["study"], objects["attachment"]])
    assert client_for(request.getfixturevalue(who)).post(url).status_code == 302
    assert not Attachment.objects.exists()


def test_a_member_who_did_not_create_a_task_cannot_delete_it(objects, member):
    url = reverse("board:task_delete", args=[objects["study"], objects["task"]])
    assert client_for(member).post(url).status_code == 403
    assert Task.objects.exists()


def test_task_creator_deletes_a_task(objects, study, member):
    task = services.task_create(study=study, by=member, title="Mine")
    url = reverse("board:task_delete", args=[objects["study"], task.pk])
    assert client_for(member).post(url).status_code == 302
    assert not Task.objects.filter(pk=task.pk).exists()


def test_owner_deletes_any_task_with_its_posts(objects, owner, member):
    task = services.task_create(study=Task.objects.get().study, by=member, title="Theirs")
    url = reverse("board:task_delete", args=[objects["study"], task.pk])
    assert client_for(owner).post(url).status_code == 302
    url = reverse("board:task_delete", args=[objects["study"], objects["task"]])
    assert client_for(owner).post(url).status_code == 302
    assert not Task.objects.exists()
    assert not Post.objects.exists()


def test_removed_member_loses_access_at_once(objects, study, owner, member):
    from studies.services import member_remove

    member_remove(study=study, user=member, by=owner)
    client = client_for(member)
    assert client.get(reverse("board:tasks", args=[study.pk])).status_code == 403
    url = reverse("board:attachment", args=[study.pk, objects["attachment"]])
    assert client.get(url).status_code == 403


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"title": "", "body": "b"}, "This field is required."),
        ({"title": "x" * 201, "body": "b"}, "at most 200 characters"),
        ({"title": "t", "body": "x" * 20001}, "at most 20000 characters"),
    ],
)
def test_bad_post_input_is_a_form_error(objects, member, data, error):
    url = reverse("board:post_create", args=[objects["study"], objects["task"]])
    response = client_for(member).post(url, data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert Post.objects.count() == 1


@pytest.mark.parametrize("body", ["", "x" * 5001])
def test_bad_comment_input_is_a_form_error(objects, member, body):
    url = reverse("board:comment_create", args=[objects["study"], objects["post"]])
    response = client_for(member).post(url, {"body": body})
    assert response.status_code == 400
    assert Comment.objects.count() == 1


def test_unknown_ids_in_a_study_are_404(objects, member):
    client = client_for(member)
    for name in ["board:task", "board:post", "board:attachment", "board:comment_edit"]:
        assert client.get(reverse(name, args=[objects["study"], 999999])).status_code == 404

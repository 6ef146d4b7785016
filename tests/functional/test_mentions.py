"""Reply notices, @mentions and the official-answer notice: the right member hears, as they chose, once, and
never of their own action."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest
from sqlalchemy import select, update

from ideas_portal.extensions import db
from ideas_portal.models import Comment, Notification, OutboundEmail, User
from ideas_portal.models.types import utcnow
from ideas_portal.services import preferences
from tests.conftest import AuthActions, run_worker_burst
from tests.functional.helpers import make_idea

REL = 'rel="nofollow ugc noopener noreferrer"'


@pytest.fixture
def bearer(client):
    def headers(user) -> dict:
        r = client.post("/api/v1/tokens", json={"email": user.email, "password": "correct horse"})
        assert r.status_code == 201, r.get_json()
        return {"Authorization": f"Bearer {r.get_json()['token']}"}

    return headers


@pytest.fixture
def say(client, bearer):
    """`say(user, idea, body, parent=None)`: a comment over the API, as `user`."""

    def post(user, idea, body, parent=None) -> dict:
        r = client.post(
            f"/api/v1/ideas/{idea.id}/comments",
            json={"body": body, "parent_id": parent["id"] if parent else None},
            headers=bearer(user),
        )
        assert r.status_code == 201, r.get_json()
        return r.get_json()

    return post


@pytest.fixture
def notices(client, bearer):
    """What a member's in-app list (GET /api/v1/notifications) holds: [(kind, body)], newest first."""

    def of(user) -> list[tuple[str, str]]:
        r = client.get("/api/v1/notifications", headers=bearer(user))
        assert r.status_code == 200
        return [(n["kind"], n["body"]) for n in r.get_json()["items"]]

    return of


def kinds(rows) -> list[str]:
    return [kind for kind, _ in rows]


def mails_to(user) -> list[OutboundEmail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboundEmail).where(OutboundEmail.to == user.email)))


def comment_notices(comment_id: int) -> list[tuple[int, str]]:
    db.session.expire_all()
    rows = db.session.execute(
        select(Notification.user_id, Notification.kind)
        .where(Notification.comment_id == comment_id)
        .order_by(Notification.user_id)
    )
    return [tuple(r) for r in rows]


# --- replies -------------------------------------------------------------------------------------------------


def test_a_reply_notifies_the_parent_comments_author_in_app_and_by_email(make_user, say, notices):
    idea = make_idea(make_user())
    ana, ben = make_user(name="Ana Lima"), make_user(name="Ben Okafor")
    top = say(ana, idea, "Buses every ten minutes, please")
    reply = say(ben, idea, "Agreed, and later at night", parent=top)
    assert notices(ana) == [("reply", f"Ben Okafor replied to your comment on “{idea.title}”.")]
    assert comment_notices(reply["id"]) == [(ana.id, "reply")]
    [mail] = mails_to(ana)
    assert mail.subject == "Ben Okafor replied to your comment"
    assert f"/ideas/{idea.id}#comment-{reply['id']}" in mail.body
    assert "/unsubscribe/" in mail.unsubscribe_url
    assert notices(ben) == [] and mails_to(ben) == []


def test_a_comment_notice_points_at_the_comment(client, make_user, say, bearer):
    idea = make_idea(make_user())
    ana, ben = make_user(), make_user()
    reply = say(ben, idea, "Replying", parent=say(ana, idea, "Top"))
    [item] = client.get("/api/v1/notifications", headers=bearer(ana)).get_json()["items"]
    assert item["idea_id"] == idea.id and item["comment_id"] == reply["id"]
    AuthActions(client).login(ana.email)
    page = client.get("/notifications").get_data(as_text=True)
    assert f'href="/ideas/{idea.id}#comment-{reply["id"]}"' in page


def test_a_reply_posted_through_the_form_notifies_too(client, make_user, say, notices):
    idea = make_idea(make_user())
    ana, ben = make_user(), make_user()
    top = say(ana, idea, "Top-level")
    AuthActions(client).login(ben.email)
    r = client.post(f"/ideas/{idea.id}/comments", data={"body": "From the form", "parent_id": str(top["id"])})
    assert r.status_code == 302
    assert kinds(notices(ana)) == ["reply"]


def test_a_reply_to_a_reply_notifies_the_author_of_the_comment_answered(make_user, say, notices):
    idea = make_idea(make_user())
    ana, ben, cleo = make_user(), make_user(), make_user()
    top = say(ana, idea, "Top")
    bens = say(ben, idea, "Ben answers Ana", parent=top)
    cleos = say(cleo, idea, "Cleo answers Ben", parent=bens)
    assert cleos["parent_id"] == top["id"]  # it hangs from the top-level comment…
    assert comment_notices(cleos["id"]) == [(ben.id, "reply")]  # …but Ben, whom Cleo answered, is told
    assert kinds(notices(ana)) == ["reply"]  # Ana heard of Ben's reply only


def test_replying_to_your_own_comment_notifies_nobody(make_user, say, notices):
    idea = make_idea(make_user())
    ana = make_user()
    top = say(ana, idea, "Thinking aloud")
    say(ana, idea, "…and one more thing", parent=top)
    assert notices(ana) == [] and mails_to(ana) == []


def test_a_reply_honours_the_members_choice_of_channels(make_user, say, notices):
    idea = make_idea(make_user())
    email_only, app_only, neither, ben = make_user(), make_user(), make_user(), make_user()
    preferences.update(email_only.id, {"reply": {"in_app": False, "email": True}})
    preferences.update(app_only.id, {"reply": {"in_app": True, "email": False}})
    preferences.update(neither.id, {"reply": {"in_app": False, "email": False}})
    db.session.commit()
    for member in (email_only, app_only, neither):
        say(ben, idea, "Good point", parent=say(member, idea, "A point"))
    assert notices(email_only) == [] and len(mails_to(email_only)) == 1
    assert kinds(notices(app_only)) == ["reply"] and mails_to(app_only) == []
    assert notices(neither) == [] and mails_to(neither) == []


def test_the_reply_mail_is_written_by_the_worker_with_its_unsubscribe_headers(
    app, make_user, say, database_url, redis_url, tmp_path
):
    idea = make_idea(make_user())
    ana, ben = make_user(), make_user(name="Ben Okafor")
    address = ana.email
    say(ben, idea, "Yes!", parent=say(ana, idea, "Night buses?"))
    run_worker_burst(database_url, redis_url, tmp_path)
    [path] = Path(app.config["MAIL_DIR"]).glob("*.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["To"] == address and message["Subject"] == "Ben Okafor replied to your comment"
    assert "/unsubscribe/" in message["List-Unsubscribe"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "replied to your comment" in message.get_content()


# --- mentions ------------------------------------------------------------------------------------------------


def test_a_mention_notifies_the_member_named_and_links_their_profile(client, make_user, say, notices):
    idea = make_idea(make_user())
    ana = make_user(name="Ana Maria Silva")
    ben = make_user(name="Ben Okafor")
    posted = say(ben, idea, "What do you think, @ana maria silva? Thanks.")
    assert notices(ana) == [("mention", f"Ben Okafor mentioned you in a comment on “{idea.title}”.")]
    assert (
        f'<a class="mention" href="/users/{ana.id}" rel="nofollow ugc noopener noreferrer">@ana maria silva</a>'
        in (posted["body_html"])
    )
    page = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert f'href="/users/{ana.id}"' in page and "? Thanks." in page
    profile = client.get(f"/users/{ana.id}")  # the link is the member's public profile (members blueprint)
    assert profile.status_code == 200 and "Ana Maria Silva" in profile.get_data(as_text=True)
    [mail] = mails_to(ana)
    assert mail.subject == "Ben Okafor mentioned you" and "/unsubscribe/" in mail.unsubscribe_url


def test_the_longest_matching_name_wins(make_user, say):
    idea = make_idea(make_user())
    ana, ana_silva, ben = make_user(name="Ana"), make_user(name="Ana Silva"), make_user()
    posted = say(ben, idea, "Thanks @Ana Silva, and hello @Ana.")
    assert comment_notices(posted["id"]) == sorted([(ana_silva.id, "mention"), (ana.id, "mention")])
    assert f'href="/users/{ana_silva.id}" {REL}>@Ana Silva</a>, and hello' in posted["body_html"]
    assert f'href="/users/{ana.id}" {REL}>@Ana</a>.' in posted["body_html"]
    only_silva = say(ben, idea, "@Ana Silva again")
    assert comment_notices(only_silva["id"]) == [(ana_silva.id, "mention")]


def test_a_name_beyond_ascii_is_found_as_typed(make_user, say):
    idea = make_idea(make_user())
    elise = make_user(name="Élise Dupont-Ørsted")
    posted = say(make_user(), idea, "Merci @Élise Dupont-Ørsted !")
    assert comment_notices(posted["id"]) == [(elise.id, "mention")]
    assert f'href="/users/{elise.id}" {REL}>@Élise Dupont-Ørsted</a> !' in posted["body_html"]


def test_a_shared_name_notifies_each_member_so_named_and_links_none(make_user, say):
    idea = make_idea(make_user())
    sam1, sam2, ben = make_user(name="Sam Lee"), make_user(name="sam lee"), make_user()
    posted = say(ben, idea, "@Sam Lee can you check?")
    assert comment_notices(posted["id"]) == [(sam1.id, "mention"), (sam2.id, "mention")]
    assert "/users/" not in posted["body_html"] and "@Sam Lee can you check?" in posted["body_html"]


def test_no_notice_for_a_self_mention_an_unknown_name_or_a_deleted_member(make_user, say, notices):
    """One's own name is still a link; a deleted member's or an unknown name stays text."""
    idea = make_idea(make_user())
    ana, gone = make_user(name="Ana Lima"), make_user(name="Gone Member")
    db.session.execute(update(User).where(User.id == gone.id).values(deleted_at=utcnow()))
    db.session.commit()
    posted = say(ana, idea, "Note to self @Ana Lima; cc @Gone Member and @Nobody Here")
    assert comment_notices(posted["id"]) == []
    assert posted["body_html"].count("/users/") == 1 and f'/users/{ana.id}"' in posted["body_html"]
    assert notices(ana) == []


def test_a_reply_that_also_mentions_the_parent_author_notifies_them_once(make_user, say, notices):
    idea = make_idea(make_user())
    ana, ben = make_user(name="Ana Lima"), make_user()
    top = say(ana, idea, "Top")
    reply = say(ben, idea, "@Ana Lima yes, exactly", parent=top)
    assert comment_notices(reply["id"]) == [(ana.id, "reply")]
    assert kinds(notices(ana)) == ["reply"] and len(mails_to(ana)) == 1


def test_mentions_in_code_or_inside_a_word_are_not_mentions(make_user, say):
    idea = make_idea(make_user())
    make_user(name="Ana Lima")
    posted = say(make_user(), idea, "Write `@Ana Lima` in code, or\n\n    @Ana Lima\n\nor mail x@Ana Lima")
    assert comment_notices(posted["id"]) == [] and "/users/" not in posted["body_html"]


def test_at_most_ten_members_are_mentioned_in_one_comment(make_user, say):
    idea = make_idea(make_user())
    named = [make_user(name=f"Person Number {n:02d}") for n in range(12)]
    posted = say(make_user(), idea, " ".join(f"@Person Number {n:02d}" for n in range(12)))
    assert [uid for uid, _ in comment_notices(posted["id"])] == [u.id for u in named[:10]]
    assert posted["body_html"].count('class="mention"') == 10


def test_a_name_with_markup_is_escaped_in_the_link(make_user, say):
    idea = make_idea(make_user())
    odd = make_user(name="Bob <b>& co")
    posted = say(make_user(), idea, "hi @Bob <b>& co")
    assert comment_notices(posted["id"]) == [(odd.id, "mention")]
    assert f'href="/users/{odd.id}" {REL}>@Bob &lt;b&gt;&amp; co</a>' in posted["body_html"]
    assert "<b>" not in posted["body_html"]


def test_editing_to_add_a_mention_notifies_only_the_newly_mentioned(client, make_user, say, notices, bearer):
    idea = make_idea(make_user())
    ana, cleo, ben = make_user(name="Ana Lima"), make_user(name="Cleo Park"), make_user()
    posted = say(ben, idea, "Asking @Ana Lima")
    assert kinds(notices(ana)) == ["mention"]
    r = client.patch(
        f"/api/v1/comments/{posted['id']}", json={"body": "Asking @Ana Lima and @Cleo Park"}, headers=bearer(ben)
    )
    assert r.status_code == 200 and f'href="/users/{cleo.id}"' in r.get_json()["body_html"]
    assert kinds(notices(cleo)) == ["mention"]
    assert kinds(notices(ana)) == ["mention"] and len(mails_to(ana)) == 1  # not told again
    AuthActions(client).login(ben.email)
    client.post(f"/comments/{posted['id']}/edit", data={"body": "Asking @Cleo Park only, @Ana Lima too"})
    assert comment_notices(posted["id"]) == sorted([(ana.id, "mention"), (cleo.id, "mention")])


# --- the official answer -------------------------------------------------------------------------------------


def test_marking_an_official_response_notifies_the_ideas_author_once(client, make_user, say, notices):
    author = make_user()
    idea = make_idea(author)
    staff = make_user("staff", name="Sara Staff")
    answer = say(staff, idea, "We will trial it in spring.")
    AuthActions(client).login(staff.email)
    assert client.post(f"/comments/{answer['id']}/official").status_code == 302
    assert notices(author) == [
        (
            "official_answer",
            f"Staff answered your idea “{idea.title}”: Sara Staff's comment is now the official response.",
        )
    ]
    client.post(f"/comments/{answer['id']}/official", data={"official": "0"})
    client.post(f"/comments/{answer['id']}/official")
    assert kinds(notices(author)) == ["official_answer"] and len(mails_to(author)) == 1
    assert notices(staff) == []


def test_staff_pinning_their_own_answer_on_their_own_idea_notify_nobody(client, make_user, say, notices):
    staff = make_user("staff")
    idea = make_idea(staff)
    answer = say(staff, idea, "Answering myself")
    AuthActions(client).login(staff.email)
    assert client.post(f"/comments/{answer['id']}/official").status_code == 302
    assert notices(staff) == [] and mails_to(staff) == []


def test_a_deleted_member_gets_no_reply_notice(make_user, say):
    idea = make_idea(make_user())
    ana, ben = make_user(), make_user()
    top = say(ana, idea, "Soon gone")
    db.session.execute(update(User).where(User.id == ana.id).values(deleted_at=utcnow()))
    db.session.commit()
    reply = say(ben, idea, "Hello?", parent=top)
    assert comment_notices(reply["id"]) == []
    assert mails_to(ana) == []


# --- the autocomplete ----------------------------------------------------------------------------------------


def test_suggest_lists_current_members_by_name_prefix_for_signed_in_members_only(client, make_user):
    for n in range(10):
        make_user(name=f"Ana Person {n}")
    make_user(name="Anatole Gone")
    db.session.execute(update(User).where(User.name == "Anatole Gone").values(deleted_at=utcnow()))
    make_user(name="Bob Other")
    db.session.commit()
    r = client.get("/users/suggest?q=an")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    AuthActions(client).login(make_user().email)
    items = client.get("/users/suggest?q=aNa p").get_json()["items"]
    assert len(items) == 8 and all(set(i) == {"id", "name"} for i in items)
    assert all(i["name"].startswith("Ana Person") for i in items)
    assert client.get("/users/suggest?q=anat").get_json()["items"] == []
    assert client.get("/users/suggest?q=%25").get_json()["items"] == []  # LIKE wildcards are literal
    assert client.get("/users/suggest?q=").get_json()["items"] == []
    bad = client.get("/users/suggest?q=a%00b", headers={"Accept": "application/json"})
    assert bad.status_code == 400 and "error" in bad.get_json()


def test_the_comment_forms_carry_the_autocomplete_and_work_without_it(client, make_user, say):
    idea = make_idea(make_user())
    top = say(make_user(), idea, "Top")
    AuthActions(client).login(make_user().email)
    page = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert '<script src="/static/js/mentions.js" defer></script>' in page
    assert page.count('data-mentions="/users/suggest"') == 2  # the new comment and the reply to "Top"
    assert client.get("/static/js/mentions.js").status_code == 200
    db.session.expire_all()
    assert db.session.get_one(Comment, top["id"]).deleted_at is None

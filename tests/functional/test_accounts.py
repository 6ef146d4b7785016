import email
import email.policy
import re
from pathlib import Path

from sqlalchemy import select

from ideas_portal.extensions import db
from ideas_portal.models import OutboundEmail, User
from tests.conftest import run_worker_burst


def _mails_to(address):
    return db.session.scalars(select(OutboundEmail).where(OutboundEmail.to == address).order_by(OutboundEmail.id)).all()


def test_signup_creates_an_unverified_member_and_mails_a_verification_link(app, client):
    r = client.post(
        "/signup", data={"email": "New.Person@Example.com", "name": "New Person", "password": "correct horse"}
    )
    assert r.status_code == 302 and r.headers["Location"].startswith("/signup/sent")
    user = db.session.scalar(select(User).where(User.email == "new.person@example.com"))
    assert user.role == "member" and user.name == "New Person"
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:sha256:600000"))
    assert user.email_verified_at is None  # until the mailed link is opened
    [welcome] = _mails_to("new.person@example.com")
    assert "confirm" in welcome.body and "http://localhost/verify/" in welcome.body
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Check your inbox" in page and "New.Person@Example.com" in page
    assert "Sign in" in client.get("/").get_data(as_text=True)  # not signed in until they sign in
    assert (
        client.post("/login", data={"email": "new.person@example.com", "password": "correct horse"}).status_code == 302
    )
    assert "New Person" in client.get("/").get_data(as_text=True)


def test_signup_page_explains_why_each_field_is_asked(client):
    html = client.get("/signup").get_data(as_text=True)
    assert html.count("Why we ask:") == 3


def test_signup_with_taken_email_answers_like_a_new_one_and_mails_the_owner(app, make_user):
    owner = make_user(email="twice@example.com", name="First Owner")
    answers = []
    for address in ("twice@example.com", "fresh@example.com"):
        c = app.test_client()
        r = c.post("/signup", data={"email": address, "name": "Someone Else", "password": "another password"})
        page = c.get(r.headers["Location"])
        answers.append(
            (
                r.status_code,
                r.headers["Location"],
                page.status_code,
                page.get_data(as_text=True).replace(address, "ADDRESS"),
            )
        )
    assert answers[0] == answers[1]
    assert "already" not in answers[0][3]
    db.session.expire_all()
    assert db.session.get(User, owner.id).name == "First Owner"
    assert db.session.get(User, owner.id).check_password("correct horse")
    [notice] = _mails_to("twice@example.com")
    assert "tried to create an account" in notice.body
    assert "http://localhost/login" in notice.body and "http://localhost/password/forgot" in notice.body


def test_a_wrong_password_costs_one_hash_check_whether_or_not_the_email_exists(client, make_user, monkeypatch):
    from ideas_portal.services import accounts

    user = make_user()
    checked = []
    real = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash", lambda h, p: checked.append(h.split("$")[0]) or real(h, p))
    monkeypatch.setattr(
        "ideas_portal.models.users.check_password_hash", lambda h, p: checked.append(h.split("$")[0]) or real(h, p)
    )
    for address in (user.email, "nobody@example.com", "not an address"):
        assert client.post("/login", data={"email": address, "password": "wrong password"}).status_code in (400, 401)
        assert client.post("/api/v1/tokens", json={"email": address, "password": "wrong password"}).status_code == 401
    real_method = db.session.get(User, user.id).password_hash.split("$")[0]
    assert checked == [real_method] * 5, checked


def test_signup_with_short_password_is_refused(auth):
    r = auth.signup(password="short")
    assert r.status_code == 400
    assert "8" in r.get_data(as_text=True)


def test_login_with_wrong_password_answers_401_with_message(auth, make_user):
    user = make_user()
    r = auth.login(user.email, "wrong password")
    assert r.status_code == 401
    assert "Wrong email or password" in r.get_data(as_text=True)


def test_login_starts_a_fresh_session(client, auth, make_user):
    user = make_user()
    with client.session_transaction() as s:
        s["planted"] = "by an attacker"
    auth.login(user.email)
    with client.session_transaction() as s:
        assert "planted" not in s
        assert s["_user_id"].startswith(f"{user.id}:")


def test_login_redirects_only_to_our_own_site(auth, make_user, client):
    user = make_user()
    r = client.post("/login?next=//evil.example/steal", data={"email": user.email, "password": "correct horse"})
    assert r.headers["Location"] == "/"
    client.post("/logout")
    r = client.post("/login?next=/ideas%3Fsort%3Dtop", data={"email": user.email, "password": "correct horse"})
    assert r.headers["Location"] == "/ideas?sort=top"


def test_remember_cookie_stops_working_after_logout(app, auth, make_user, client):
    user = make_user()
    auth.login(user.email, remember=True)
    cookie = client.get_cookie("remember_token")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("remember_token", cookie.value, domain=cookie.domain)
    assert user.name in thief.get("/").get_data(as_text=True)  # the cookie works while signed in
    auth.logout()
    other = app.test_client()
    other.set_cookie("remember_token", cookie.value, domain=cookie.domain)
    assert "Sign in" in other.get("/").get_data(as_text=True)
    assert other.get("/ideas/new").status_code == 302


def test_logout_needs_post(client, auth, make_user):
    auth.login(make_user().email)
    assert client.get("/logout").status_code == 405


def test_password_reset_mail_is_sent_by_the_worker_and_link_works_once(
    app, client, make_user, database_url, redis_url, tmp_path
):
    user = make_user()
    r = client.post("/password/forgot", data={"email": user.email})
    assert r.status_code == 302
    row = db.session.scalar(select(OutboundEmail))
    assert row.sent_at is None and row.to == user.email
    run_worker_burst(database_url, redis_url, tmp_path)
    mails = list(Path(tmp_path / "mail").glob("*.eml"))
    assert len(mails) == 1
    text = email.message_from_bytes(mails[0].read_bytes(), policy=email.policy.default).get_content()
    link = re.search(r"http://localhost(/password/reset/\S+)", text).group(1)
    db.session.expire_all()
    assert db.session.get(OutboundEmail, row.id).sent_at is not None

    r = client.post(link, data={"password": "a brand new pass", "confirm": "a brand new pass"})
    assert r.status_code == 302
    assert client.post("/login", data={"email": user.email, "password": "a brand new pass"}).status_code == 302
    client.post("/logout")
    again = client.get(link)
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)


def test_password_reset_for_unknown_email_reveals_nothing(client):
    r = client.post("/password/forgot", data={"email": "nobody@example.com"}, follow_redirects=True)
    assert "If that address has an account" in r.get_data(as_text=True)
    assert db.session.scalar(select(OutboundEmail)) is None


def test_reset_link_with_bad_signature_is_404(client):
    assert client.get("/password/reset/not-a-token").status_code == 404


def test_mail_survives_a_redis_outage_and_is_relayed_by_the_worker(
    app, client, make_user, database_url, redis_url, tmp_path
):
    from devtools import embedded

    user = make_user()
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{embedded.free_port()}/0"
    app.extensions.pop("ideas_redis", None)
    r = client.post("/password/forgot", data={"email": user.email})
    assert r.status_code == 302
    assert db.session.scalar(select(OutboundEmail)).sent_at is None
    result = run_worker_burst(database_url, redis_url, tmp_path)
    assert "relayed 1" in result.stdout
    assert len(list(Path(tmp_path / "mail").glob("*.eml"))) == 1


def test_cli_users_create_prints_the_new_id(runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "ops@example.com",
            "--password",
            "long enough",
            "--name",
            "Ops Person",
            "--role",
            "staff",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.get(User, int(result.output.strip()))
    assert user.role == "staff" and user.email == "ops@example.com"


def test_cli_users_create_refuses_a_duplicate(runner):
    args = ["users", "create", "dup@example.com", "--password", "long enough", "--name", "Dup"]
    assert runner.invoke(args=args).exit_code == 0
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_a_second_cookieless_client_is_anonymous_after_another_signed_in(app, auth, make_user, client):
    user = make_user()
    auth.login(user.email)
    assert user.name in client.get("/").get_data(as_text=True)
    stranger = app.test_client()
    html = stranger.get("/").get_data(as_text=True)
    assert user.name not in html and "Sign in" in html
    assert stranger.get("/ideas/new").status_code == 302

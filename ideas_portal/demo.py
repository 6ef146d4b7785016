"""Demo data for `flask seed-demo`: believable, deterministic, idempotent."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, insert, select
from werkzeug.security import generate_password_hash

from .extensions import db
from .models import Category, Comment, Idea, Status, User, Vote
from .models.types import utcnow
from .services import markdown, status, voting

DEMO_LOGINS = [
    ("member@example.com", "member-password", "Maya Member", "member"),
    ("staff@example.com", "staff-password", "Sam Staff", "staff"),
    ("admin@example.com", "admin-password", "Ada Admin", "admin"),
]
FIRST = ["Alex", "Blair", "Casey", "Dana", "Eli", "Finley", "Gray", "Harper", "Indy", "Jules", "Kai", "Lee",
         "Morgan", "Noor", "Oakley", "Parker", "Quinn", "Riley", "Sky", "Taylor", "Uma", "Val", "Wren", "Yael", "Zed"]
LAST = ["Adams", "Brooks", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jensen"]
THINGS = ["oat milk", "a loyalty app", "reusable cups", "the drive-thru", "seasonal drinks", "mobile ordering",
          "store wifi", "pastries", "cold brew", "the rewards program", "decaf options", "store music",
          "gift cards", "order pickup", "sugar-free syrups", "plant-based food", "outdoor seating", "tip jars",
          "recycling bins", "the menu board"]
PATTERNS = ["Bring back {t}", "Offer {t} in every store", "Make {t} cheaper for members", "Let us customise {t}",
            "Add nutrition info for {t}", "Improve {t} at busy hours", "Reward members who use {t}",
            "Make {t} more sustainable", "Let us rate {t}", "Add a kids' version of {t}"]
BODIES = [
    "I visit **three times a week** and this would make a real difference.\n\n- saves time\n- less waste",
    "Other shops already do this. It would be great to see it here too — my friends keep asking for it.",
    "Small change, big effect: it would make mornings *much* smoother for regulars like me.",
    "Please consider this for the next season. I'd happily pay a little extra for it.",
]
COMMENTS = ["Yes please! I'd use this every day.", "Not sure about this one — what about the cost?",
            "+1, this is overdue.", "We tried this at my local store and it worked well.",
            "Could this work with the app too?", "Love it. **Especially** in winter."]


NOTES = {
    "under-review": "Thanks for all the votes — our product team is looking at this now.",
    "reviewed": "We reviewed this with the store teams; next step is a cost check.",
    "coming-soon": "Good news: this is **coming soon** to selected stores.",
    "launched": "It's here! Thank you to everyone who shared and supported this idea.",
    "not-planned": "We looked hard at this but can't make it work right now. Thanks for understanding.",
    "duplicate": "This is already covered by a similar idea; please vote there.",
}


def _walk_the_workflow(rng, ideas, statuses, weights, staff) -> None:
    """Ideas that moved on got there through real status changes, so timelines and the feed have history."""
    open_steps = [s for s in statuses if not s.is_closed]
    now = utcnow()
    for idea in sorted(ideas, key=lambda i: i.created_at):
        target = rng.choices(statuses, weights=weights)[0]
        path = open_steps[1: open_steps.index(target) + 1] if target in open_steps else [open_steps[1], target]
        for n, step in enumerate(path, start=1):
            at = min(now, idea.created_at + (now - idea.created_at) * n / (len(path) + 1))
            status.record(idea, idea.status_id, step, staff, NOTES.get(step.slug, ""), at=at)


def seed() -> list[str]:
    if db.session.scalar(select(User).where(User.email == DEMO_LOGINS[0][0])):
        return ["demo data already present; nothing to do"]
    rng = random.Random(20261124)
    now = utcnow()
    users = []
    for email, password, name, role in DEMO_LOGINS:
        user = User(email=email, name=name, role=role, password_hash=generate_password_hash(password))
        db.session.add(user)
        users.append(user)
    member_hash = generate_password_hash("demo-password")  # hashed once: scrypt is slow on purpose
    for i in range(47):
        name = f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}"
        user = User(email=f"demo{i + 1}@example.com", name=name, role="member", password_hash=member_hash,
                    created_at=now - timedelta(days=rng.randint(30, 400)))
        db.session.add(user)
        users.append(user)
    db.session.flush()
    statuses = db.session.scalars(select(Status).order_by(Status.position)).all()
    categories = db.session.scalars(select(Category)).all()
    status_weights = [60, 12, 8, 6, 6, 5, 3][: len(statuses)]
    ideas = []
    for i in range(200):
        title = PATTERNS[i % len(PATTERNS)].format(t=THINGS[(i * 3 + i // 10) % len(THINGS)])
        if i >= len(PATTERNS) * len(THINGS) // 2:
            title += f" ({rng.choice(['weekdays', 'weekends', 'mornings', 'holidays'])})"
        created = now - timedelta(hours=rng.randint(1, 24 * 120))
        body = rng.choice(BODIES)
        idea = Idea(title=title[:120], body=body, body_html=markdown.render(body),
                    author_id=rng.choice(users[3:] + users[:1]).id, category_id=rng.choice(categories).id,
                    status_id=statuses[0].id, created_at=created, updated_at=created)
        db.session.add(idea)
        ideas.append(idea)
    db.session.flush()
    _walk_the_workflow(rng, ideas, statuses, status_weights, users[1])
    vote_rows = []
    for idea in ideas:
        voters = {idea.author_id}
        vote_rows.append({"idea_id": idea.id, "user_id": idea.author_id, "value": 1, "created_at": idea.created_at})
        popularity = rng.random() ** 2
        for user in rng.sample(users, k=int(popularity * len(users))):
            if user.id in voters:
                continue
            voters.add(user.id)
            vote_rows.append({"idea_id": idea.id, "user_id": user.id, "value": 1 if rng.random() < 0.85 else -1,
                              "created_at": idea.created_at})
    db.session.execute(insert(Vote), vote_rows)
    comment_count = 0
    for idea in ideas:
        for _ in range(rng.choice([0, 0, 1, 2, 3, 5])):
            body = rng.choice(COMMENTS)
            db.session.add(Comment(idea_id=idea.id, author_id=rng.choice(users).id, body=body,
                                   body_html=markdown.render(body),
                                   created_at=idea.created_at + timedelta(hours=rng.randint(1, 48))))
            comment_count += 1
    db.session.commit()
    voting.recount()  # counters and ranking scores straight from the rows just written
    total = db.session.scalar(select(func.count()).select_from(Idea))
    return [f"seeded {len(users)} members, {total} ideas, {len(vote_rows)} votes, {comment_count} comments"]
